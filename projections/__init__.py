"""Read models built from the event log: one projection per read model, processed in pages."""
