"""PDF documents rendered with reportlab: invoices for customers."""
