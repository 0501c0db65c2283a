"""The messaging area: WhatsApp channels, templates, messages and campaigns."""
