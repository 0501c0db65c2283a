"""The support area's read models: the tickets and their timelines."""
