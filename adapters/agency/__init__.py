"""The agency area's adapters: the media library's read-model queries, its process manager
and its wiring."""
