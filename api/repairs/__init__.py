"""The repairs area: the repair shop, inventory and the counter."""
