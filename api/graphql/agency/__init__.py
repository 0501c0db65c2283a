"""The agency area in GraphQL: the media library and the quote calculator."""
