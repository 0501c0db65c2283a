"""The agency area's read models: the media library."""
