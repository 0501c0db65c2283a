"""The AI area's adapters: Gemini through google-genai, its key pool, and a fake Gemini."""
