"""What clients read of the media library: folders, files with their metadata, and a file's
bytes. Every read is authorised and scoped to the caller's tenant."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from application.agency.ports import (
    MediaFileView,
    MediaFilter,
    MediaFolderView,
    MediaReadModels,
    StorageUnavailable,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import NotFound
from application.shared.object_storage import ObjectStorage
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import Page, Stores
from domain.agency.file_types import kind_of
from domain.agency.media import object_key
from domain.shared.errors import InvalidValue


class MediaQueries:
    def __init__(
        self, stores: Stores, read_models: MediaReadModels, storage: ObjectStorage
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._storage = storage

    def folders(self, principal: Principal) -> list[MediaFolderView]:
        """All of the tenant's folders, by name: a client builds the tree from `parent_id`."""
        authorize(principal, Permission.READ_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.folders(store, principal.tenant_id)

    def files(
        self, principal: Principal, which: MediaFilter, first: int = 50, after: str | None = None
    ) -> Page[MediaFileView]:
        """Files newest first, filtered by folder, name and type."""
        authorize(principal, Permission.READ_MEDIA)
        if not 1 <= first <= MAX_PAGE:
            raise InvalidValue(f"first must be between 1 and {MAX_PAGE}", field="first")
        search = filter_text(which.search, "search")
        which = MediaFilter(which.folder_id, which.top_level, search or None, which.media_type)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.files(store, principal.tenant_id, which, first, after)

    def file(self, principal: Principal, file_id: UUID) -> MediaFileView | None:
        authorize(principal, Permission.READ_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.file(store, principal.tenant_id, file_id)

    def content(self, principal: Principal, file_id: UUID) -> tuple[MediaFileView, Iterator[bytes]]:
        """A file's metadata and its bytes in chunks, to stream."""
        view = self.file(principal, file_id)
        if view is None:
            raise NotFound(f"no file {file_id}", field="id")
        key = object_key(principal.tenant_id, file_id, kind_of(view.content_type).extension)
        try:
            return view, self._storage.open(key)
        except KeyError:
            raise NotFound("the file's content is missing from storage", field="id") from None
        except Exception as error:
            raise StorageUnavailable("object storage did not answer; try again") from error
