"""The agency area: what a digital agency keeps for its clients. First its media library:
folders and files kept in object storage."""
