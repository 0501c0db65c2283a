"""The knowledge base's adapters: PDF text (pypdf), the local embedding model (wordllama), its
read models on pgvector and full text, and the process manager of its embedding jobs."""
