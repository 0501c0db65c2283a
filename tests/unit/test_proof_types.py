"""Proof files are recognised by their first bytes, whatever they are called."""

from __future__ import annotations

import pytest

from application.payments.transfer_proofs import sniff


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\xff\xd8\xff\xdb....", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8L", "image/webp"),
        (b"%PDF-1.4 ...", "application/pdf"),
    ],
)
def test_images_and_pdfs_are_recognised(data: bytes, content_type: str) -> None:
    found = sniff(data)
    assert found is not None
    assert found.content_type == content_type


@pytest.mark.parametrize(
    "data",
    [b"GIF89a....", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"<svg xmlns=...>", b"PK\x03\x04", b""],
)
def test_anything_else_is_not(data: bytes) -> None:
    assert sniff(data) is None
