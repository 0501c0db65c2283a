"""`media_library`: a tenant's folders (`media_folders`) and files (`media_files`) with what a
list or grid shows: size, type, an image's dimensions, who uploaded it (the actor of the
envelope) and when. A deleted folder's row goes at once; a deleted file's row stays, marked
deleted, until `ObjectRemoved` says its bytes are gone from object storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.agency.media import MediaFile, MediaFolder
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.base import table
from projections.shared.rows import Row

FOLDERS = "media_folders"
FILES = "media_files"
FOLDER_COLUMNS = ("id", "tenant_id", "name", "parent_id", "created_at", "updated_at")
FILE_COLUMNS = (
    "id",
    "tenant_id",
    "folder_id",
    "name",
    "media_type",
    "content_type",
    "size_bytes",
    "width",
    "height",
    "sha256",
    "uploaded_by",
    "uploaded_at",
    "updated_at",
    "deleted",
    "removal_attempts",
    "last_error",
)
_UPLOADED = ("tenant_id", "folder_id", "name", "media_type", "content_type", "size_bytes")
_IMAGE = ("width", "height", "sha256")


class MediaLibraryProjection:
    name: str = "media_library"
    event_types: tuple[type, ...] = (
        MediaFolder.Created,
        MediaFolder.Renamed,
        MediaFolder.Moved,
        MediaFolder.Deleted,
        MediaFile.Uploaded,
        MediaFile.Renamed,
        MediaFile.Moved,
        MediaFile.Deleted,
        MediaFile.ObjectRemoved,
        MediaFile.RemovalFailed,
    )
    tables: tuple[str, ...] = (FOLDERS, FILES)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        folders = [e for e in events if isinstance(e.event, MediaFolder.Event)]
        files = [e for e in events if isinstance(e.event, MediaFile.Event)]
        _reduce(cur, schema, FOLDERS, FOLDER_COLUMNS, folders, MediaFolder.Created, _folder)
        _reduce(cur, schema, FILES, FILE_COLUMNS, files, MediaFile.Uploaded, _file)


def _reduce(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    events: Sequence[RecordedEvent],
    created: type,
    reducer: Any,
) -> None:
    """Reduce the page over the table's rows; rows whose aggregate is gone (a deleted folder,
    a file whose object was removed) are deleted after it."""
    if not events:
        return
    gone: set[UUID] = set()
    table_rows.reduce_page(
        cur, schema, name, columns, events, created, lambda rows, e: reducer(rows, e, gone)
    )
    if gone:
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(table(schema, name)), (list(gone),)
        )


def _folder(folders: dict[Any, Row], recorded: RecordedEvent, gone: set[UUID]) -> None:
    event, folder_id = recorded.event, recorded.aggregate_id
    if isinstance(event, MediaFolder.Created):
        folders[folder_id] = {
            "id": folder_id,
            "tenant_id": event.tenant_id,
            "name": event.name,
            "parent_id": event.parent_id,
            "created_at": recorded.timestamp,
        }
    folder = folders.get(folder_id)
    if folder is None:
        return
    if isinstance(event, MediaFolder.Renamed):
        folder["name"] = event.name
    elif isinstance(event, MediaFolder.Moved):
        folder["parent_id"] = event.parent_id
    elif isinstance(event, MediaFolder.Deleted):
        del folders[folder_id]
        gone.add(folder_id)
        return
    folder["updated_at"] = recorded.timestamp


def _file(files: dict[Any, Row], recorded: RecordedEvent, gone: set[UUID]) -> None:
    event, file_id = recorded.event, recorded.aggregate_id
    if isinstance(event, MediaFile.Uploaded):
        files[file_id] = {
            "id": file_id,
            **{column: getattr(event, column) for column in _UPLOADED + _IMAGE},
            "uploaded_by": recorded.meta.actor,
            "uploaded_at": recorded.timestamp,
            "deleted": False,
            "removal_attempts": 0,
            "last_error": None,
        }
    media = files.get(file_id)
    if media is None:
        return
    if isinstance(event, MediaFile.Renamed):
        media["name"] = event.name
    elif isinstance(event, MediaFile.Moved):
        media["folder_id"] = event.folder_id
    elif isinstance(event, MediaFile.Deleted):
        media["deleted"] = True
    elif isinstance(event, MediaFile.RemovalFailed):
        media.update(removal_attempts=event.attempt, last_error=event.reason)
    elif isinstance(event, MediaFile.ObjectRemoved):
        del files[file_id]
        gone.add(file_id)
        return
    media["updated_at"] = recorded.timestamp
