"""The support area's adapters: the tickets' read-model queries and the area's wiring."""
