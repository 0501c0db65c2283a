"""Media files: types read from the bytes, image sizes from the headers, names that cannot be
paths, and the aggregates' events."""

from __future__ import annotations

import struct
import uuid

import pytest

from domain.agency.file_types import (
    GIF,
    PDF,
    TEXT,
    WEBP,
    ZIP,
    MediaTypeRefused,
    dimensions,
    identify,
    sniff,
)
from domain.agency.media import MediaFile, MediaFolder, MoveRefused, media_name
from domain.shared.errors import InvalidValue

VP8 = b"RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00" + b"\x00\x00\x00\x9d\x01\x2a"
VP8L = b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f"
VP8X = b"RIFF\x00\x00\x00\x00WEBPVP8X\x00\x00\x00\x00\x00\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (VP8 + struct.pack("<HH", 300, 200), (300, 200)),
        (VP8L + struct.pack("<I", (299) | (199 << 14)), (300, 200)),
        (VP8X + (299).to_bytes(3, "little") + (199).to_bytes(3, "little"), (300, 200)),
        (b"GIF87a" + struct.pack("<HH", 300, 200), (300, 200)),
    ],
)
def test_reads_webp_and_gif_sizes_from_their_headers(data: bytes, size: tuple[int, int]) -> None:
    kind = sniff(data)
    assert kind in (WEBP, GIF)
    assert dimensions(kind, data) == size


def test_knows_documents_archives_and_text_by_their_bytes() -> None:
    assert sniff(b"%PDF-1.7\n") is PDF
    assert sniff(b"PK\x03\x04rest") is ZIP
    assert sniff(b"Halo, dunia\n") is TEXT
    assert sniff(b"\x7fELF\x02\x01") is None
    assert sniff(b"\xff\xfe\x00bukan utf-8") is None


def test_refuses_a_name_or_declared_type_the_content_contradicts() -> None:
    assert identify(b"%PDF-1.7", "laporan") is PDF  # no extension: the content decides
    assert identify(b"%PDF-1.7", "Laporan.PDF", "application/pdf") is PDF
    with pytest.raises(MediaTypeRefused):
        identify(b"%PDF-1.7", "foto.jpg")
    with pytest.raises(MediaTypeRefused):
        identify(b"%PDF-1.7", "laporan.pdf", "image/png")


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\b", "..", "", "   ", "a\x00b", "x" * 256])
def test_refuses_names_that_could_be_paths_or_cannot_be_stored(name: str) -> None:
    with pytest.raises(InvalidValue):
        media_name(name)


def test_a_folder_cannot_move_into_a_folder_inside_it() -> None:
    tenant = uuid.uuid4()
    outer = MediaFolder.create(tenant, "Luar", None)
    inner = MediaFolder.create(tenant, "Dalam", outer.id)
    with pytest.raises(MoveRefused):
        outer.move_to(inner.id, (outer.id,))
    with pytest.raises(MoveRefused):
        outer.move_to(outer.id, ())


def test_a_deleted_file_awaits_the_removal_of_its_object_once() -> None:
    media = MediaFile.upload(uuid.uuid4(), uuid.uuid4(), None, "a.txt", TEXT, (3, None, "00"))
    media.delete()
    media.record_removal_failure("timeout")
    media.record_removal()
    media.record_removal()
    names = [type(e).__name__ for e in media.collect_events()]
    assert names == ["Uploaded", "Deleted", "RemovalFailed", "ObjectRemoved"]
