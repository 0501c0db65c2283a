"""The agency area's adapters: the media library's read-model queries, its process manager
and its wiring; the quotation list's queries and the quote calculator's wiring."""
