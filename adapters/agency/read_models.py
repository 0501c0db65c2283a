"""Queries over the media library's read model (media_folders, media_files)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import like_pattern, table
from adapters.shared.stores import PostgresStores
from application.agency.ports import (
    MediaFileView,
    MediaFilter,
    MediaFolderView,
    PendingRemoval,
)
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.agency.file_types import MediaType

_FILE_COLUMNS = sql.SQL(
    "id, folder_id, name, media_type, content_type, size_bytes, width, height, uploaded_by, "
    "uploaded_at, updated_at"
)
_ORDER = sql.SQL("uploaded_at, id")


class PostgresMediaReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def folders(self, store: EventStore, tenant_id: UUID) -> list[MediaFolderView]:
        query = sql.SQL(
            "SELECT id, name, parent_id, created_at, updated_at FROM {} WHERE tenant_id = %s "
            "ORDER BY lower(name), id"
        ).format(table(store, "media_folders"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id]).fetchall()
        return [MediaFolderView(*row) for row in rows]

    def files(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: MediaFilter,
        first: int,
        after: str | None,
    ) -> Page[MediaFileView]:
        where, params = _where(tenant_id, which)
        page_where, page_params = after_cursor(where, params, after, _ORDER, newest_first=True)
        query = sql.SQL(
            "SELECT {} FROM {} WHERE {} ORDER BY uploaded_at DESC, id DESC LIMIT %s"
        ).format(_FILE_COLUMNS, table(store, "media_files"), page_where)
        database = self._stores.database_for(store)
        with database.connection() as conn:
            rows = conn.execute(query, [*page_params, first + 1]).fetchall()
        count = rows_matching(database.connection, table(store, "media_files"), where, params)
        return page_of(rows, first, count, _file, lambda v: (v.uploaded_at, v.id))

    def file(self, store: EventStore, tenant_id: UUID, file_id: UUID) -> MediaFileView | None:
        query = sql.SQL(
            "SELECT {} FROM {} WHERE tenant_id = %s AND id = %s AND NOT deleted"
        ).format(_FILE_COLUMNS, table(store, "media_files"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, file_id]).fetchone()
        return _file(row) if row else None

    def folder_holds_anything(self, store: EventStore, tenant_id: UUID, folder_id: UUID) -> bool:
        query = sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM {files} WHERE tenant_id = %s AND folder_id = %s "
            "AND NOT deleted) OR EXISTS (SELECT 1 FROM {folders} WHERE tenant_id = %s "
            "AND parent_id = %s)"
        ).format(files=table(store, "media_files"), folders=table(store, "media_folders"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, folder_id, tenant_id, folder_id]).fetchone()
        return bool(row and row[0])

    def pending_removals(self, store: EventStore, limit: int) -> list[PendingRemoval]:
        query = sql.SQL(
            "SELECT tenant_id, id, removal_attempts, updated_at FROM {} WHERE deleted "
            "ORDER BY updated_at LIMIT %s"
        ).format(table(store, "media_files"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [limit]).fetchall()
        return [PendingRemoval(*row) for row in rows]


def _where(tenant_id: UUID, which: MediaFilter) -> tuple[sql.Composable, list[Any]]:
    conditions: list[sql.Composable] = [sql.SQL("tenant_id = %s AND NOT deleted")]
    params: list[Any] = [tenant_id]
    if which.top_level:
        conditions.append(sql.SQL("folder_id IS NULL"))
    elif which.folder_id is not None:
        conditions.append(sql.SQL("folder_id = %s"))
        params.append(which.folder_id)
    if which.search:
        conditions.append(sql.SQL("lower(name) LIKE %s"))
        params.append(like_pattern(which.search))
    if which.media_type is not None:
        conditions.append(sql.SQL("media_type = %s"))
        params.append(which.media_type.value)
    return sql.SQL(" AND ").join(conditions), params


def _file(row: Any) -> MediaFileView:
    values = list(row)
    values[3] = MediaType(values[3])
    return MediaFileView(*values)
