"""The AI area in GraphQL."""
