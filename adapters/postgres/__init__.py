"""PostgreSQL persistence: pools, stores, the tenant directory, keys and read-model queries."""
