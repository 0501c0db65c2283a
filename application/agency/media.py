"""The media library's commands: upload, create folders, rename, move, delete; and the side
effect that removes a deleted file's object.

An upload checks everything first (size, type by the bytes, name, folder), then writes the
object, then records `MediaFile.Uploaded`: a refused upload or a failed write records nothing,
and a failed save deletes the object it wrote. Deleting records `MediaFile.Deleted` only; the
media process manager (adapters/agency/dispatcher.py) then calls `remove_object`, which removes
the bytes and records `ObjectRemoved` (or `RemovalFailed`, retried with backoff under the
shared policy in application/shared/process_manager.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from application.agency.ports import (
    FolderNotEmpty,
    MediaReadModels,
    MediaTooLarge,
    StorageUnavailable,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from application.shared.object_storage import ObjectStorage
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from domain.agency.file_types import dimensions, identify
from domain.agency.media import MediaFile, MediaFolder, MoveRefused, media_name, object_key
from domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)
REMOVER = Actor(ActorKind.SYSTEM, "media-library")
MAX_DEPTH = 32  # folders inside folders; deeper trees are refused
A = TypeVar("A", MediaFile, MediaFolder)


class MediaKind(StrEnum):
    FILE = "file"
    FOLDER = "folder"


@dataclass(frozen=True)
class UploadMedia:
    filename: str
    data: bytes | None  # None: what came was not a file
    name: str = ""  # unset: the uploaded file's name
    folder_id: UUID | None = None
    declared_type: str | None = None  # the content type the client sent with the file


class MediaLibrary:
    """Commands on a tenant's folders and files; `remove_object` is the side effect's job."""

    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        read_models: MediaReadModels,
        storage: ObjectStorage,
        max_bytes: int,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._saver = Saver(sync)
        self._read_models = read_models
        self._storage = storage
        self.max_bytes = max_bytes

    def upload(self, principal: Principal, command: UploadMedia) -> UUID:
        """Check the file, store its bytes, then record it (see the module's doc)."""
        authorize(principal, Permission.MANAGE_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        data = self._checked_size(command.data)
        name = media_name(command.name or command.filename)
        kind = identify(data, name, command.declared_type)
        size = dimensions(kind, data)
        if command.folder_id is not None:
            self._live(store, MediaFolder, command.folder_id, principal.tenant_id, "folder_id")
        file_id = uuid4()
        content = (len(data), size, hashlib.sha256(data).hexdigest())
        media = MediaFile.upload(
            file_id, principal.tenant_id, command.folder_id, name, kind, content
        )
        key = object_key(principal.tenant_id, file_id, kind.extension)
        self._put(key, data, kind.content_type)
        try:
            self._saver.save(store, principal, "UploadMedia", media)
        except Exception:
            self._storage.delete(key)  # nothing recorded: the bytes go too
            raise
        return file_id

    def create_folder(self, principal: Principal, name: str, parent_id: UUID | None) -> UUID:
        authorize(principal, Permission.MANAGE_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        if parent_id is not None:
            self._within_depth(store, principal.tenant_id, parent_id, "parent_id")
        folder = MediaFolder.create(principal.tenant_id, name, parent_id)
        self._saver.save(store, principal, "CreateMediaFolder", folder)
        return folder.id

    def rename(self, principal: Principal, item_id: UUID, name: str) -> MediaKind:
        """Rename a file or a folder; which of the two the id named."""
        authorize(principal, Permission.MANAGE_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        item = self._item(store, principal.tenant_id, item_id)
        item.rename(name)
        self._saver.save(store, principal, "RenameMedia", item)
        return _kind(item)

    def move(self, principal: Principal, item_id: UUID, folder_id: UUID | None) -> MediaKind:
        """Move a file or a folder into a folder (None: to the top level)."""
        authorize(principal, Permission.MANAGE_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        item = self._item(store, principal.tenant_id, item_id)
        if isinstance(item, MediaFolder):
            ancestors = self._ancestors(store, principal.tenant_id, folder_id)
            item.move_to(folder_id, ancestors)
        else:
            if folder_id is not None:
                self._live(store, MediaFolder, folder_id, principal.tenant_id, "folder_id")
            item.move_to(folder_id)
        self._saver.save(store, principal, "MoveMedia", item)
        return _kind(item)

    def delete(self, principal: Principal, item_id: UUID) -> MediaKind:
        """Delete a file (its object is removed afterwards) or an empty folder."""
        authorize(principal, Permission.MANAGE_MEDIA)
        store = self._stores.for_tenant(principal.tenant_id)
        item = self._item(store, principal.tenant_id, item_id)
        if isinstance(item, MediaFolder) and self._read_models.folder_holds_anything(
            store, principal.tenant_id, item.id
        ):
            raise FolderNotEmpty(
                "the folder is not empty: move or delete what it holds first", field="id"
            )
        item.delete()
        self._saver.save(store, principal, "DeleteMedia", item)
        return _kind(item)

    # -- the side effect ---------------------------------------------------------------------

    def remove_object(self, tenant_id: UUID, file_id: UUID) -> None:
        """Remove a deleted file's object and record it; a storage failure is recorded (the
        process manager retries it with backoff) and raised as StorageUnavailable."""
        store = self._stores.for_tenant(tenant_id)
        media = find(store, MediaFile, file_id)
        if media is None or not media.awaits_removal:
            return
        try:
            self._storage.delete(media.key)
        except Exception as error:
            media.record_removal_failure(f"{type(error).__name__}: {error}")
            self._record(store, tenant_id, "RecordMediaRemovalFailure", media)
            raise StorageUnavailable(f"object storage refused the removal: {error}") from error
        media.record_removal()
        self._record(store, tenant_id, "RemoveMediaObject", media)

    # -- helpers -----------------------------------------------------------------------------

    def _checked_size(self, data: bytes | None) -> bytes:
        if data is None:
            raise InvalidValue("send the file as a part of a multipart request", field="file")
        if not data:
            raise InvalidValue("the file is empty", field="file")
        if len(data) > self.max_bytes:
            raise MediaTooLarge(
                f"the file is larger than {self.max_bytes:,} bytes".replace(",", "."),
                field="file",
            )
        return data

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._storage.put(key, data, content_type)
        except Exception as error:
            log.warning("object storage refused %s: %s", key, error)
            raise StorageUnavailable(
                "object storage did not take the file; nothing was saved, try again"
            ) from error

    def _item(self, store: EventStore, tenant_id: UUID, item_id: UUID) -> MediaFile | MediaFolder:
        found: MediaFile | MediaFolder | None = find(store, MediaFile, item_id) or find(
            store, MediaFolder, item_id
        )
        if found is not None and found.tenant_id == tenant_id and not found.deleted:
            return found
        raise NotFound(f"no file or folder {item_id}", field="id")

    def _live(self, store: EventStore, kind: type[A], item_id: UUID, tenant: UUID, field: str) -> A:
        found = load(store, kind, item_id, tenant, "folder", field)
        if found.deleted:
            raise NotFound(f"no folder {item_id}", field=field)
        return found

    def _ancestors(
        self, store: EventStore, tenant_id: UUID, folder_id: UUID | None
    ) -> tuple[UUID, ...]:
        """The folders from `folder_id`'s parent up to the top level."""
        if folder_id is None:
            return ()
        chain: list[UUID] = []
        folder = self._live(store, MediaFolder, folder_id, tenant_id, "folder_id")
        while folder.parent_id is not None:
            if len(chain) >= MAX_DEPTH:
                raise MoveRefused(f"folders nest at most {MAX_DEPTH} deep", field="folder_id")
            chain.append(folder.parent_id)
            folder = self._live(store, MediaFolder, folder.parent_id, tenant_id, "folder_id")
        return tuple(chain)

    def _within_depth(
        self, store: EventStore, tenant_id: UUID, parent_id: UUID, field: str
    ) -> None:
        self._live(store, MediaFolder, parent_id, tenant_id, field)
        if len(self._ancestors(store, tenant_id, parent_id)) >= MAX_DEPTH - 1:
            raise InvalidValue(f"folders nest at most {MAX_DEPTH} deep", field=field)

    def _record(self, store: EventStore, tenant_id: UUID, command: str, media: MediaFile) -> None:
        """Another job recording the same outcome first is fine: its record stands."""
        try:
            with recording(command, actor=REMOVER, tenant_id=tenant_id):
                saved = store.save_and_locate(media)
        except IntegrityError:
            log.info("%s of %s was recorded concurrently", command, media.id)
            return
        self._sync.wait(store, saved)


def _kind(item: MediaFile | MediaFolder) -> MediaKind:
    return MediaKind.FILE if isinstance(item, MediaFile) else MediaKind.FOLDER
