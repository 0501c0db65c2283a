"""The billing area: plans, subscriptions, invoices, dunning and reports.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from application.billing.invoicing import due_date, numbering_for
from application.billing.ports import BillingReadModels

__all__ = ["BillingReadModels", "due_date", "numbering_for"]
