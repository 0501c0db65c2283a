"""GraphQL object types: DTOs shaped for clients, built from application views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.support import query
from application.shared.ports import AuditEntry as AuditEntryView
from application.shared.ports import CustomerView, Page

V = TypeVar("V")
N = TypeVar("N")
E = TypeVar("E")


@strawberry.type(
    description="A customer of the tenant. Personal fields read as forgotten once erased."
)
class Customer:
    id: strawberry.ID
    name: str
    phone: str | None
    email: str | None
    nik: str | None
    address: str | None
    forgotten: bool
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: CustomerView) -> Customer:
        return cls(
            id=strawberry.ID(str(view.id)),
            name=view.name,
            phone=view.phone,
            email=view.email,
            nik=view.nik,
            address=view.address,
            forgotten=view.forgotten,
            registered_at=view.registered_at,
            updated_at=view.updated_at,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Connection(Generic[E]):
    """What every list answers: a page of edges, where it ends, and how many items there are
    over all pages. Each list names its own type: `class InvoiceConnection(Connection[...])`."""

    edges: list[E]
    page_info: PageInfo
    # Where the edges came from; its count runs only if a client selects totalCount.
    page: strawberry.Private[Page[Any]]

    @strawberry.field
    async def total_count(self) -> int:
        return await query(lambda: self.page.total_count)


def connection_parts(
    page: Page[V], node: Callable[[V], N], edge: Callable[..., E]
) -> dict[str, Any]:
    """The fields of a `Connection`, built the same way for every list."""
    return {
        "edges": [
            edge(cursor=c, node=node(v)) for v, c in zip(page.items, page.cursors, strict=True)
        ],
        "page_info": PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        "page": page,
    }


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection(Connection[CustomerEdge]):
    @classmethod
    def from_page(cls, page: Page[CustomerView]) -> CustomerConnection:
        return cls(**connection_parts(page, Customer.from_view, CustomerEdge))


@strawberry.type(description="One recorded change: who did what to which aggregate, and why.")
class AuditEntry:
    position: int
    actor: str
    command: str
    action: str
    aggregate_type: str
    aggregate_id: strawberry.ID
    version: int
    changes: JSON = strawberry.field(description="Each changed field: {old, new}.")
    occurred_at: datetime
    correlation_id: str
    causation_id: str

    @classmethod
    def from_view(cls, view: AuditEntryView) -> AuditEntry:
        return cls(
            position=view.position,
            actor=view.actor,
            command=view.command,
            action=view.action,
            aggregate_type=view.aggregate_type,
            aggregate_id=strawberry.ID(str(view.aggregate_id)),
            version=view.version,
            changes=cast(JSON, view.changes),
            occurred_at=view.occurred_at,
            correlation_id=view.correlation_id,
            causation_id=view.causation_id,
        )


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditEntryConnection(Connection[AuditEntryEdge]):
    @classmethod
    def from_page(cls, page: Page[AuditEntryView]) -> AuditEntryConnection:
        return cls(**connection_parts(page, AuditEntry.from_view, AuditEntryEdge))
