"""What the media library reads (its read model) and the refusals its interfaces map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.agency.file_types import MediaType


class MediaTooLarge(ApplicationError):
    code = "MEDIA_TOO_LARGE"


class FolderNotEmpty(ApplicationError):
    code = "FOLDER_NOT_EMPTY"


class StorageUnavailable(ApplicationError):
    """Object storage did not take or give the bytes; nothing was recorded."""

    code = "MEDIA_STORAGE_UNAVAILABLE"


@dataclass(frozen=True)
class MediaFolderView:
    id: UUID
    name: str
    parent_id: UUID | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MediaFileView:
    id: UUID
    folder_id: UUID | None
    name: str
    media_type: MediaType
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    uploaded_by: str
    uploaded_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MediaFilter:
    """Which files a list shows: in one folder (`top_level`: outside every folder) or in all,
    whose names contain `search`, of one type."""

    folder_id: UUID | None = None
    top_level: bool = False
    search: str | None = None
    media_type: MediaType | None = None


@dataclass(frozen=True)
class PendingRemoval:
    tenant_id: UUID
    file_id: UUID
    attempts: int
    updated_at: datetime


class MediaReadModels(Protocol):
    def folders(self, store: EventStore, tenant_id: UUID) -> list[MediaFolderView]: ...

    def files(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: MediaFilter,
        first: int,
        after: str | None,
    ) -> Page[MediaFileView]: ...

    def file(self, store: EventStore, tenant_id: UUID, file_id: UUID) -> MediaFileView | None: ...

    def folder_holds_anything(self, store: EventStore, tenant_id: UUID, folder_id: UUID) -> bool:
        """Whether a folder holds a file or a folder (deleted files waiting for their object's
        removal do not count)."""
        ...

    def pending_removals(self, store: EventStore, limit: int) -> list[PendingRemoval]:
        """Deleted files whose objects are still to be removed, across the store's tenants."""
        ...
