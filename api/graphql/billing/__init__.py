"""The billing area: plans, subscriptions, invoices, dunning and reports."""
