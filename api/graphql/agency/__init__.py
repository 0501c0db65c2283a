"""The agency area in GraphQL: the media library."""
