"""The manifest of a backup: what it holds, read in the snapshot it was dumped from, and read
back, with the dumps it names, from a backup file."""

from __future__ import annotations

import json
import shutil
import tarfile
from datetime import datetime
from pathlib import Path
from typing import Any

from psycopg import Connection, sql
from pydantic import BaseModel

from adapters.audit.backup_tools import BackupError
from adapters.shared.event_chain import GENESIS

FORMAT = 1
MANIFEST = "manifest.json"


class StoreSummary(BaseModel):
    name: str
    schema_name: str
    database: str
    events: int
    head_id: int
    head_hash: str
    forgotten_subjects: int


class DumpFile(BaseModel):
    database: str
    file: str
    schemas: list[str]


class Manifest(BaseModel):
    format: int = FORMAT
    taken_at: datetime
    platform_schema: str
    server_version: str
    pg_dump_version: str
    tenants: int
    dumps: list[DumpFile]
    stores: list[StoreSummary]


def summarise(conn: Connection[Any], schema: str, database: str) -> StoreSummary:
    head = conn.execute(
        sql.SQL(
            "SELECT notification_id, hash FROM {}.niaga_event_chain "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(sql.Identifier(schema))
    ).fetchone()
    return StoreSummary(
        name=schema,
        schema_name=schema,
        database=database,
        events=scalar(conn, "SELECT count(*) FROM {}.niaga_events", schema),
        head_id=int(head[0]) if head else 0,
        head_hash=bytes(head[1]).hex() if head else GENESIS.hex(),
        forgotten_subjects=scalar(
            conn, "SELECT count(*) FROM {}.personal_data_keys WHERE key IS NULL", schema
        ),
    )


def unpack(archive: Path, folder: Path) -> Manifest:
    """Read the manifest, then extract only the dumps it names (never paths from the tar)."""
    with tarfile.open(archive) as tar:
        manifest = Manifest.model_validate(json.load(_member(tar, MANIFEST)))
        if manifest.format != FORMAT:
            raise BackupError(f"backup format {manifest.format} is not {FORMAT}")
        for dump in manifest.dumps:
            if Path(dump.file).name != dump.file:
                raise BackupError(f"the backup names a dump outside it: {dump.file!r}")
            with (folder / dump.file).open("wb") as target:
                shutil.copyfileobj(_member(tar, dump.file), target)
    return manifest


def _member(tar: tarfile.TarFile, name: str) -> Any:
    found = tar.extractfile(name) if name in tar.getnames() else None
    if found is None:
        raise BackupError(f"the backup has no {name}")
    return found


def server_major(conn: Connection[Any]) -> int:
    return int(scalar(conn, "SHOW server_version_num")) // 10000


def scalar(conn: Connection[Any], query: str, schema: str | None = None) -> Any:
    statement = sql.SQL(query).format(sql.Identifier(schema)) if schema else sql.SQL(query)
    row = conn.execute(statement).fetchone()
    return row[0] if row else None
