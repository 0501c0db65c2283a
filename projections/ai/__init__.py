"""Read models of the AI area."""
