"""The GraphQL schema: queries read read models, mutations call application commands."""
