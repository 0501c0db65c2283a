"""E-mail over SMTP: the mail server, the Jinja2 templates, the read model and the dispatcher."""
