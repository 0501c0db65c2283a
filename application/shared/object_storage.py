"""The port to object storage (an S3-compatible bucket, or a local directory in the embedded
default): transfer proofs and the media library keep their files there. Keys are made by
Niaga from ids, never from what an uploader named a file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

CHUNK_BYTES = 64 * 1024


class ObjectStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the bytes under the key, replacing any object there."""

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        ...

    def open(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The object's bytes in chunks, to stream it; KeyError (at once, not while
        iterating) when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; nothing happens when there is none."""
