"""The billing area: plans, subscriptions, invoices, dunning and reports.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from domain.billing.subscription import Subscription, SubscriptionState
from domain.billing.tax import ppn

__all__ = ["Subscription", "SubscriptionState", "ppn"]
