"""The agency area's read models: the media library and the quotation list."""
