"""The AI area: API keys for the language model, each tenant's AI switch, and usage records."""
