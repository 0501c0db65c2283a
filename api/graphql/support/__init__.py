"""The support area in GraphQL: tickets, their timelines and the SLA policy."""
