"""People's accounts in GraphQL: registering, signing in and out, sessions, links by e-mail,
and a business's team."""
