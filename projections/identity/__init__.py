"""The identity area's read models: people with their memberships, and their sessions."""
