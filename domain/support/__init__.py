"""The support area: customers' tickets (complaints and questions) with their SLA counted in
the tenant's business hours."""
