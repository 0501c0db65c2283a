"""Indonesian payment gateways over their documented HTTP contracts."""
