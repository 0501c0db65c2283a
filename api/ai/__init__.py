"""The AI area's command line."""
