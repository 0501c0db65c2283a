"""The platform area: tenants, their settings and API keys."""
