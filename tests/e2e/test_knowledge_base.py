"""The knowledge base end to end, over HTTP on the embedded PostgreSQL 18: a PDF uploaded as a
GraphQL multipart request (and over REST, and with `niaga kb ingest`), embedded in the
background by the server's own process manager with its progress readable, then asked with AI
on (the fake Gemini), failing and off; bad files and questions refused with clear codes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.ai_support import gemini_fixture, platform_key  # noqa: F401 - fixtures
from tests.conftest import principal_for
from tests.e2e.cli import run_niaga
from tests.kb_support import (  # noqa: F401 - fixtures
    SOP_GARANSI,
    SOP_PEMBAYARAN,
    embedded_url_fixture,
    image_only_pdf,
    kb_settings_fixture,
    pdf,
)

pytestmark = pytest.mark.timeout(240)
UPLOAD = """
mutation($file: Upload!, $title: String!) {
  uploadKnowledgeDocument(file: $file, title: $title) {
    __typename
    ... on KnowledgeDocumentSuccess { document { id title pageCount chunksTotal status } }
    ... on Error { code message field }
  }
}"""
DOCUMENT = """
query($id: ID!) {
  knowledgeDocument(id: $id) { chunksDone chunksTotal progress status attempts }
}"""
ASK = """
mutation($q: String!) {
  askKnowledgeBase(question: $q) {
    __typename
    ... on AskKnowledgeBaseSuccess { answer {
      found answer message aiStatus retrieval
      citations { documentId title page }
      passages { documentId title page text score similarity matchedWords }
    } }
    ... on Error { code message field }
  }
}"""
DELETE = """
mutation($id: ID!) {
  deleteKnowledgeDocument(id: $id) {
    __typename
    ... on DeleteKnowledgeDocumentSuccess { id }
    ... on Error { code }
  }
}"""


class Client:
    """GraphQL (JSON and multipart) and REST as one tenant's API key."""

    def __init__(self, server: str, token: str) -> None:
        self.server = server
        self.headers = {"Authorization": f"Bearer {token}"}

    def gql(self, query: str, **variables: object) -> Any:
        response = httpx.post(
            f"{self.server}/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers,
            timeout=30,
        )
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body
        return body["data"]

    def upload(self, data: bytes, title: str, filename: str = "sop.pdf") -> Any:
        operations = {"query": UPLOAD, "variables": {"file": None, "title": title}}
        response = httpx.post(
            f"{self.server}/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": (filename, data, "application/pdf")},
            headers=self.headers,
            timeout=60,
        )
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body
        return body["data"]["uploadKnowledgeDocument"]

    def ask(self, question: str) -> Any:
        result = self.gql(ASK, q=question)["askKnowledgeBase"]
        return result["answer"] if result["__typename"] == "AskKnowledgeBaseSuccess" else result

    def ready(self, document_id: str) -> list[float]:
        """Polls the document until it is embedded; the progress values seen on the way."""
        seen: list[float] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            document = self.gql(DOCUMENT, id=document_id)["knowledgeDocument"]
            seen.append(document["progress"])
            if document["status"] == "ready":
                return seen
            time.sleep(0.1)
        raise AssertionError(f"not embedded in time: {seen[-5:]}")


def _client(niaga: Niaga, server: str, tenant_id: UUID, role: Role = Role.OWNER) -> Client:
    return Client(server, niaga.tenants.issue_api_key(tenant_id, role).token)


@pytest.fixture
def tenant(niaga: Niaga) -> UUID:
    return niaga.tenants.create("Servis Jaya", Placement.SHARED)


@pytest.fixture
def owner(niaga: Niaga, server: str, tenant: UUID) -> Client:
    return _client(niaga, server, tenant)


def test_a_pdf_uploaded_as_multipart_is_embedded_and_answers_with_ai_on_failing_and_off(
    niaga: Niaga, owner: Client, gemini: FakeGemini
) -> None:
    platform_key(niaga, "AIza-kb")
    uploaded = owner.upload(pdf(SOP_GARANSI), "SOP Garansi")
    assert uploaded["__typename"] == "KnowledgeDocumentSuccess", uploaded
    document = uploaded["document"]
    assert (document["title"], document["pageCount"], document["chunksTotal"]) == (
        "SOP Garansi",
        2,
        2,
    )
    owner.upload(pdf(SOP_PEMBAYARAN), "SOP Pembayaran")
    assert owner.ready(document["id"])[-1] == 1.0

    gemini.answer_json({"ditemukan": True, "jawaban": "Garansi 30 hari.", "sumber": [1]})
    on = owner.ask("Berapa lama garansi servis laptop?")
    assert (on["found"], on["answer"], on["aiStatus"], on["retrieval"]) == (
        True,
        "Garansi 30 hari.",
        "ok",
        "hybrid",
    )
    assert on["citations"] == [{"documentId": document["id"], "title": "SOP Garansi", "page": 1}]

    gemini.error(500)  # every model, every time
    failing = owner.ask("Berapa lama garansi servis laptop?")
    assert (failing["answer"], failing["aiStatus"]) == (None, "provider_error")
    assert failing["passages"][0]["documentId"] == document["id"]
    assert "Jawaban AI tidak tersedia" in failing["message"]
    gemini.rules.clear()

    assert owner.gql("mutation { setAiEnabled(enabled: false) { __typename } }")
    off = owner.ask("Berapa lama garansi servis laptop?")
    assert (off["found"], off["answer"], off["aiStatus"]) == (True, None, "off")
    assert off["citations"][0]["page"] == 1
    assert "30 hari" in off["passages"][0]["text"]

    nothing = owner.ask("Siapa juara piala dunia sepak bola?")
    assert (nothing["found"], nothing["aiStatus"]) == (False, "not_needed")
    assert nothing["message"].startswith("Maaf, tidak ada informasi")

    deleted = owner.gql(DELETE, id=document["id"])["deleteKnowledgeDocument"]
    assert deleted == {"__typename": "DeleteKnowledgeDocumentSuccess", "id": document["id"]}
    titles = owner.gql("{ knowledgeDocuments { title } }")["knowledgeDocuments"]
    assert titles == [{"title": "SOP Pembayaran"}]


@pytest.mark.parametrize(
    ("data", "typename", "code"),
    [
        (b"bukan PDF", "ValidationError", "NOT_A_PDF"),
        (pdf(SOP_GARANSI, user_password="rahasia"), "ValidationError", "PDF_ENCRYPTED"),
        (image_only_pdf(), "RefusedError", "NO_TEXT_FOUND"),
    ],
    ids=["not-a-pdf", "encrypted", "image-only"],
)
def test_files_without_readable_text_are_refused_with_their_code(
    owner: Client, data: bytes, typename: str, code: str
) -> None:
    refused = owner.upload(data, "Dokumen")
    assert (refused["__typename"], refused["code"], refused["field"]) == (typename, code, "file")


def test_empty_and_huge_questions_are_refused(owner: Client) -> None:
    for question in ("", "garansi " * 500):
        refused = owner.ask(question)
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "ValidationError",
            "INVALID_VALUE",
            "question",
        )


def test_roles_decide_who_uploads_and_who_asks(niaga: Niaga, server: str, tenant: UUID) -> None:
    staff = _client(niaga, server, tenant, Role.STAFF)
    agent = _client(niaga, server, tenant, Role.AGENT)
    assert staff.upload(pdf(SOP_GARANSI), "SOP")["code"] == "PERMISSION_DENIED"
    assert agent.ask("")["code"] == "PERMISSION_DENIED"  # before the question is looked at
    assert staff.ask("garansi")["found"] is False


def test_documents_are_uploaded_listed_and_deleted_over_rest(owner: Client) -> None:
    url = f"{owner.server}/knowledge/documents"
    files = {"file": ("garansi.pdf", pdf(SOP_GARANSI), "application/pdf")}
    created = httpx.post(url, files=files, data={"title": "SOP Garansi"}, headers=owner.headers)
    assert created.status_code == 201, created.text
    document = created.json()
    assert (document["title"], document["chunks_total"]) == ("SOP Garansi", 2)

    listed = httpx.get(url, headers=owner.headers)
    assert [d["id"] for d in listed.json()] == [document["id"]]
    bad = httpx.post(url, files={"file": ("x.pdf", b"bukan PDF")}, headers=owner.headers)
    assert (bad.status_code, bad.json()["detail"]["code"]) == (400, "NOT_A_PDF")
    gone = httpx.delete(f"{url}/{document['id']}", headers=owner.headers)
    assert gone.status_code == 204
    assert httpx.get(url, headers=owner.headers).json() == []
    assert httpx.delete(f"{url}/{document['id']}", headers=owner.headers).status_code == 204
    unknown = httpx.delete(f"{url}/{UUID(int=7)}", headers=owner.headers)
    assert (unknown.status_code, unknown.json()["detail"]["code"]) == (404, "NOT_FOUND")


def test_niaga_kb_ingest_shows_progress_and_the_document_is_ready(
    niaga: Niaga, settings: Settings, tenant: UUID, tmp_path: Path
) -> None:
    manual = [
        f"Bab {n}. " + " ".join(["Prosedur perawatan router pelanggan."] * 60) for n in range(4)
    ]
    path = tmp_path / "manual.pdf"
    path.write_bytes(pdf(manual))

    done = run_niaga(settings, "kb", "ingest", str(path), "--tenant", str(tenant))

    assert done.returncode == 0, done.stderr
    assert "embedding" in done.stdout
    assert "is ready" in done.stdout
    [view] = niaga.services.knowledge_queries.documents(principal_for(tenant))
    assert (view.title, view.status.value) == ("manual.pdf", "ready")
    listed = run_niaga(settings, "kb", "list", "--tenant", str(tenant))
    assert f"{view.chunks_total}/{view.chunks_total}" in listed.stdout
    asked = run_niaga(settings, "kb", "ask", "perawatan router", "--tenant", str(tenant))
    assert "halaman 1" in asked.stdout or "hlm. 1" in asked.stdout, asked.stdout
