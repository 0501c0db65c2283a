"""`niaga kb ...`: a tenant's knowledge base from the command line. `ingest` uploads a PDF and,
unless told not to, embeds it here with a progress bar (chunks done of total); a running
projection daemon would embed it as well, and whichever records a batch first wins."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from adapters.bootstrap import Niaga
from api.ai.cli import as_owner
from api.shared.cli_support import run_on_niaga
from application.ai.knowledge.documents import UploadDocument
from application.ai.knowledge.ports import EmbeddingUnavailable
from application.shared.context import Principal

kb_app = typer.Typer(help="The knowledge base: ingest PDFs, list, delete, ask.")
console = Console()
err = Console(stderr=True)
STALLED_PASSES = 50  # passes without progress (read models lagging) before leaving it
STALLED_PAUSE = 0.2  # seconds
TenantOption = Annotated[UUID, typer.Option("--tenant", help="The tenant's id")]


@kb_app.command("ingest")
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A PDF")],
    tenant: TenantOption,
    title: Annotated[str, typer.Option(help="Its title; unset: the file's name")] = "",
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Embed it here, showing progress")
    ] = True,
) -> None:
    """Upload a PDF to a tenant's knowledge base and embed its passages."""
    data = file.read_bytes()

    def call(niaga: Niaga) -> UUID:
        owner = as_owner(tenant)
        document_id = niaga.services.knowledge_documents.upload(
            owner, UploadDocument(file.name, data, title)
        )
        console.print(f"document {document_id} uploaded")
        if wait:
            _embed(niaga, owner, document_id)
        return document_id

    run_on_niaga(call)


def _embed(niaga: Niaga, owner: Principal, document_id: UUID) -> None:
    documents, queries = niaga.services.knowledge_documents, niaga.services.knowledge_queries
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task("embedding", total=None)
        more, done, stalled = True, -1, 0
        while more:
            try:
                more = documents.embed(owner.tenant_id, document_id)
            except EmbeddingUnavailable as error:
                err.print(f"[yellow]embedding paused ({error.reason}):[/] {error.message}")
                err.print("the projection daemon retries it with backoff")
                raise typer.Exit(1) from None
            view = queries.document(owner, document_id)
            if view is not None:
                progress.update(task, total=view.chunks_total, completed=view.chunks_done)
            stalled = stalled + 1 if view is None or view.chunks_done == done else 0
            done = view.chunks_done if view is not None else done
            if stalled >= STALLED_PASSES:
                err.print("no progress: the projection daemon will finish the embedding")
                raise typer.Exit(1)
            if stalled:
                time.sleep(STALLED_PAUSE)
    console.print(f"document {document_id} is ready")


@kb_app.command("list")
def list_documents(tenant: TenantOption) -> None:
    """The tenant's documents with their embedding progress."""
    views = run_on_niaga(lambda niaga: niaga.services.knowledge_queries.documents(as_owner(tenant)))
    table = Table("id", "title", "pages", "chunks", "status", "last error")
    for view in views:
        chunks = f"{view.chunks_done}/{view.chunks_total}"
        table.add_row(
            str(view.id),
            view.title,
            str(view.page_count),
            chunks,
            view.status.value,
            view.last_error or "",
        )
    console.print(table)


@kb_app.command("delete")
def delete(
    document_id: Annotated[UUID, typer.Argument(help="The document's id")], tenant: TenantOption
) -> None:
    """Delete a document and its passages, for good."""
    run_on_niaga(
        lambda niaga: niaga.services.knowledge_documents.delete(as_owner(tenant), document_id)
    )
    console.print(f"document {document_id} deleted")


@kb_app.command("ask")
def ask(question: Annotated[str, typer.Argument()], tenant: TenantOption) -> None:
    """Ask the knowledge base; the answer cites document and page."""
    answer = run_on_niaga(
        lambda niaga: niaga.services.knowledge_answers.ask(as_owner(tenant), question)
    )
    console.print(answer.answer or answer.message or "", markup=False)
    for citation in answer.citations:
        console.print(f"  - {citation.title}, halaman {citation.page}", markup=False)
    if answer.answer is None:
        for found in answer.passages:
            passage = found.passage
            console.print(f"\n[{passage.title}, hlm. {passage.page}]", markup=False)
            console.print(passage.text, markup=False)
    console.print(f"(aiStatus: {answer.ai_status})", style="dim", markup=False)
