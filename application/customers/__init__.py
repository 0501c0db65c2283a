"""The customers area: people and businesses a tenant serves, with their personal data."""
