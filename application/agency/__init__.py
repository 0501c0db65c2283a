"""The agency area's use-cases: the media library (folders and files in object storage) and the
quote calculator (the rate card, estimates with an AI-written summary, quotations and their
invoice)."""
