"""The platform's own interfaces: Stripe's webhooks and the operator's `niaga platform` commands."""
