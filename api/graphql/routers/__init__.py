"""The routers area: MikroTik routers and provisioning onto them."""
