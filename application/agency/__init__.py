"""The agency area's use-cases: the media library (folders and files in object storage)."""
