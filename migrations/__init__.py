"""Versioned SQL for every store: the event log, personal-data keys, read models, the directory."""
