"""The operator's console in GraphQL: open to the platform operator's key alone."""
