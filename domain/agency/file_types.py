"""What an uploaded file is, read from its own bytes (magic numbers), never from its name or
the type its uploader declared; and an image's width and height, read from its header.

No image library is needed: the header fields of PNG, JPEG, GIF and WebP are a few bytes each.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from enum import StrEnum

from domain.shared.errors import DomainError

# An image side longer than this is a forged header, not a picture anyone uploads.
MAX_SIDE = 65_535
# Control characters that never appear in plain text (tab, line breaks and form feed may).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_JPEG_FRAMES = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC)}) | {
    0xCD,
    0xCE,
    0xCF,
}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})  # markers without a length


class MediaTypeRefused(DomainError):
    """The bytes are of no accepted type, or not of the type the file claims to be."""

    code = "MEDIA_TYPE_REFUSED"


class MediaType(StrEnum):
    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class FileKind:
    """One accepted type: its content type, the extension its objects get, and the extensions
    an uploaded name may carry for it."""

    media_type: MediaType
    content_type: str
    extension: str
    names: frozenset[str]


PNG = FileKind(MediaType.IMAGE, "image/png", "png", frozenset({"png"}))
JPEG = FileKind(MediaType.IMAGE, "image/jpeg", "jpg", frozenset({"jpg", "jpeg"}))
GIF = FileKind(MediaType.IMAGE, "image/gif", "gif", frozenset({"gif"}))
WEBP = FileKind(MediaType.IMAGE, "image/webp", "webp", frozenset({"webp"}))
PDF = FileKind(MediaType.PDF, "application/pdf", "pdf", frozenset({"pdf"}))
ZIP = FileKind(MediaType.ARCHIVE, "application/zip", "zip", frozenset({"zip"}))
TEXT = FileKind(MediaType.TEXT, "text/plain", "txt", frozenset({"txt", "text", "md", "csv"}))
KINDS = (PNG, JPEG, GIF, WEBP, PDF, ZIP, TEXT)
ACCEPTED = "PNG, JPEG, GIF or WebP images, PDF, ZIP or plain UTF-8 text"


def kind_of(content_type: str) -> FileKind:
    """The kind recorded under this content type."""
    return next(k for k in KINDS if k.content_type == content_type)


def sniff(data: bytes) -> FileKind | None:
    """The kind the bytes are, by their magic number; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP
    return TEXT if _is_text(data) else None


def identify(data: bytes, name: str, declared: str | None = None) -> FileKind:
    """The file's kind, checked against what its name and its declared content type claim:
    a name ending `.png` on a PDF is refused, as is a program under any name."""
    kind = sniff(data)
    if kind is None:
        raise MediaTypeRefused(f"the file's content is not one of {ACCEPTED}", field="file")
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension.lower() not in kind.names:
        raise MediaTypeRefused(
            f"the name ends in .{extension} but the content is {kind.content_type}", field="file"
        )
    claimed = (declared or "").split(";")[0].strip().lower()
    if claimed in {k.content_type for k in KINDS} and claimed != kind.content_type:
        raise MediaTypeRefused(
            f"the file was sent as {claimed} but its content is {kind.content_type}",
            field="file",
        )
    return kind


def dimensions(kind: FileKind, data: bytes) -> tuple[int, int] | None:
    """Width and height of an image (None for other kinds); an image whose header cannot be
    read is refused: it is not the image it claims to be."""
    if kind.media_type is not MediaType.IMAGE:
        return None
    reader = {PNG: _png, JPEG: _jpeg, GIF: _gif, WEBP: _webp}[kind]
    try:
        size = reader(data)
    except (struct.error, IndexError):
        size = None
    if size is None or not all(0 < side <= MAX_SIDE for side in size):
        raise MediaTypeRefused(
            f"the {kind.extension.upper()} image's header is unreadable", field="file"
        )
    return size


def _is_text(data: bytes) -> bool:
    if _BINARY.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _png(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _gif(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack("<HH", data[6:10])
    return width, height


def _jpeg(data: bytes) -> tuple[int, int] | None:
    """Walk the segments to the first start-of-frame marker, which holds the size."""
    at = 2
    while at < len(data):
        if data[at] != 0xFF:
            return None
        while data[at] == 0xFF:  # fill bytes may precede a marker
            at += 1
        marker = data[at]
        if marker in _STANDALONE:
            at += 1
            continue
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[at + 4 : at + 8])
            return width, height
        (length,) = struct.unpack(">H", data[at + 1 : at + 3])
        if length < 2:
            return None
        at += 1 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None
