"""The payments area: money received, payment gateways, links and transfers."""
