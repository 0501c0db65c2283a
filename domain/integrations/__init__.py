"""The integrations area: outbound webhooks and the public event schema."""
