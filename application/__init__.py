"""Use-cases on aggregates, and the ports through which they reach the outside world."""
