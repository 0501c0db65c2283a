"""REST for the counter's files: the daily sales report as CSV, for a spreadsheet or the
accountant."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from starlette.concurrency import run_in_threadpool

from api.shared.deps import PrincipalDep, ServicesDep, require_principal
from api.shared.etag import ETAG_HEADER, ETAG_RESPONSES, etag_for, tag_headers
from application.repairs.counter_ports import DailySales
from domain.shared.errors import DomainError

router = APIRouter(responses=ETAG_RESPONSES)

# English column names, one line per day, payment method and cashier; amounts in whole rupiah.
DAILY_SALES_COLUMNS = (
    "date",
    "payment_method",
    "cashier",
    "sales",
    "gross",
    "discounts",
    "ppn",
    "net",
    "returns",
)


@router.get(
    "/api/v1/reports/daily-sales.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "headers": ETAG_HEADER}},
    tags=["reports"],
)
async def daily_sales_csv(
    services: ServicesDep,
    principal: PrincipalDep,
    tag: Annotated[str, Depends(etag_for())],
    start: Annotated[date, Query(alias="from", description="First local date, inclusive")],
    end: Annotated[date, Query(alias="to", description="Last local date, inclusive")],
) -> Response:
    """Your tenant's counter sales per day, payment method and cashier, as CSV (the `dailySales`
    query's rows; at most 93 days). Owners, admins, managers, finance, auditors."""
    who = require_principal(principal)
    try:
        rows = await run_in_threadpool(services.counter_queries.daily_sales, who, start, end)
    except DomainError as error:
        status = {"PERMISSION_DENIED": 403}.get(error.code, 400)
        detail = {"code": error.code, "message": error.message, "field": error.field}
        raise HTTPException(status, detail=detail) from None
    filename = f"daily-sales-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        daily_sales_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **tag_headers(tag)},
    )


def daily_sales_text(rows: Sequence[DailySales]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DAILY_SALES_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.day.isoformat(),
                row.payment_method,
                row.cashier,
                row.sales,
                row.gross,
                row.discounts,
                row.ppn,
                row.net,
                row.returns,
            ]
        )
    return buffer.getvalue()
