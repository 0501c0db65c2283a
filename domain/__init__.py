"""Niaga's domain: aggregates, value objects and the rules they keep. No I/O."""
