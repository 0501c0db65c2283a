"""The agency area: what a digital agency keeps for its clients. Its media library (folders
and files kept in object storage) and its quote calculator (a rate card, estimates and
quotations)."""
