"""Entry points: GraphQL and REST over FastAPI, and the `niaga` command line."""
