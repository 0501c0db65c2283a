"""Objects in a local directory (the embedded default): one file per key, written atomically.
Transfer proofs and the media library each get a directory of their own."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from application.shared.object_storage import CHUNK_BYTES

_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}\.[a-z]{3,4}$")


class LocalObjectStorage:
    def __init__(self, root: Path) -> None:
        self._root = root

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def open(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")  # a missing file raises here, not later
        except (FileNotFoundError, IsADirectoryError):
            raise KeyError(key) from None
        return _chunks(handle, chunk_bytes)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        # Keys are made by Niaga (tenant id / uuid.ext); anything else never touches the disk.
        if not _KEY.match(key):
            raise KeyError(key)
        return self._root / key


def _chunks(handle: BinaryIO, chunk_bytes: int) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk
