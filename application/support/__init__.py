"""The support area's use-cases: tickets opened by the staff, by a customer's WhatsApp keyword
or by the concierge handing a chat over; the work on them; the SLA policy; the queries."""
