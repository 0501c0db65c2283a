"""The knowledge base: a tenant's documents, embedded and searched, and questions answered from
them with citations (docs/ai.md, "Knowledge base")."""
