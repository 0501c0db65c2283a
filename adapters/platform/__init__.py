"""The platform's own billing of its tenants: Stripe, its webhooks and usage metering."""
