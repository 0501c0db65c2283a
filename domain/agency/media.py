"""The media library: folders and files a tenant keeps in object storage.

Folders are ids, not paths: a folder names its parent's id (None at the top), a file names its
folder's id, and a name is only a label. A name therefore can never point anywhere else, and
`/`, `\\` and `..` are refused in it all the same, so a name copied into a download's
filename or a client's path cannot walk out of a directory. The object a file's bytes live in
is named by the tenant's id and the file's id, never by what the uploader called it.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.agency.file_types import FileKind
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.text import check_line, printable

MAX_NAME = 255
MAX_REASON = 300


class MediaDeleted(DomainError):
    code = "MEDIA_DELETED"


class MoveRefused(DomainError):
    code = "MEDIA_MOVE_REFUSED"


def media_name(value: str, field: str = "name") -> str:
    """A file or folder name: one line of at most 255 characters, with no `/`, `\\` or `..`
    (what makes a path of a name), and not empty."""
    name = check_line(value.strip(), field, max_length=MAX_NAME)
    if not name:
        raise InvalidValue(f"{field} must not be empty", field=field)
    if "/" in name or "\\" in name or ".." in name:
        raise InvalidValue(f"{field} must not contain '/', '\\' or '..'", field=field)
    return name


def object_key(tenant_id: UUID, file_id: UUID, extension: str) -> str:
    """Where a file's bytes live in object storage: the tenant's and the file's ids only."""
    return f"{tenant_id}/{file_id}.{extension}"


class MediaFolder(Aggregate):
    class Created(Aggregate.Created):
        tenant_id: UUID
        name: str
        parent_id: UUID | None

    class Renamed(Aggregate.Event):
        name: str

    class Moved(Aggregate.Event):
        parent_id: UUID | None

    class Deleted(Aggregate.Event):
        pass

    @classmethod
    def create(cls, tenant_id: UUID, name: str, parent_id: UUID | None) -> MediaFolder:
        return cls._create(
            cls.Created, id=uuid4(), tenant_id=tenant_id, name=media_name(name), parent_id=parent_id
        )

    @event(Created)
    def __init__(self, tenant_id: UUID, name: str, parent_id: UUID | None) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.parent_id = parent_id
        self.deleted = False

    def rename(self, name: str) -> None:
        self._refuse_if_deleted()
        new = media_name(name)
        if new != self.name:
            self._renamed(name=new)

    @event(Renamed)
    def _renamed(self, name: str) -> None:
        self.name = name

    def move_to(self, parent_id: UUID | None, ancestors: tuple[UUID, ...]) -> None:
        """Move under `parent_id`, whose own ancestors (up to the top) are `ancestors`: never
        into itself or a folder inside it."""
        self._refuse_if_deleted()
        if parent_id == self.id or self.id in ancestors:
            raise MoveRefused(
                "a folder cannot move into itself or a folder inside it", field="folder_id"
            )
        if parent_id != self.parent_id:
            self._moved(parent_id=parent_id)

    @event(Moved)
    def _moved(self, parent_id: UUID | None) -> None:
        self.parent_id = parent_id

    def delete(self) -> None:
        self._refuse_if_deleted()
        self._deleted()

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True

    def _refuse_if_deleted(self) -> None:
        if self.deleted:
            raise MediaDeleted(f"folder {self.id} was deleted", field="id")


class MediaFile(Aggregate):
    """A file whose bytes were written to object storage before it was recorded. Deleting it
    records `Deleted`; a side effect then removes the object and records `ObjectRemoved`."""

    class Uploaded(Aggregate.Created):
        tenant_id: UUID
        folder_id: UUID | None
        name: str
        media_type: str
        content_type: str
        extension: str
        size_bytes: int
        width: int | None
        height: int | None
        sha256: str

    class Renamed(Aggregate.Event):
        name: str

    class Moved(Aggregate.Event):
        folder_id: UUID | None

    class Deleted(Aggregate.Event):
        pass

    class ObjectRemoved(Aggregate.Event):
        pass

    class RemovalFailed(Aggregate.Event):
        attempt: int
        reason: str

    @classmethod
    def upload(
        cls,
        file_id: UUID,
        tenant_id: UUID,
        folder_id: UUID | None,
        name: str,
        kind: FileKind,
        content: tuple[int, tuple[int, int] | None, str],
    ) -> MediaFile:
        """`content` is the size in bytes, the image's (width, height) or None, and the
        SHA-256 (hex) of the bytes already stored under `object_key(tenant_id, file_id, ...)`."""
        size_bytes, size, sha256 = content
        width, height = size if size else (None, None)
        return cls._create(
            cls.Uploaded,
            id=file_id,
            tenant_id=tenant_id,
            folder_id=folder_id,
            name=media_name(name),
            media_type=kind.media_type.value,
            content_type=kind.content_type,
            extension=kind.extension,
            size_bytes=size_bytes,
            width=width,
            height=height,
            sha256=sha256,
        )

    @event(Uploaded)
    def __init__(
        self,
        tenant_id: UUID,
        folder_id: UUID | None,
        name: str,
        media_type: str,
        content_type: str,
        extension: str,
        size_bytes: int,
        width: int | None,
        height: int | None,
        sha256: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.folder_id = folder_id
        self.name = name
        self.extension = extension
        self.deleted = False
        self.object_removed = False
        self.removal_failures = 0

    @property
    def key(self) -> str:
        return object_key(self.tenant_id, self.id, self.extension)

    def rename(self, name: str) -> None:
        self._refuse_if_deleted()
        new = media_name(name)
        if new != self.name:
            self._renamed(name=new)

    @event(Renamed)
    def _renamed(self, name: str) -> None:
        self.name = name

    def move_to(self, folder_id: UUID | None) -> None:
        self._refuse_if_deleted()
        if folder_id != self.folder_id:
            self._moved(folder_id=folder_id)

    @event(Moved)
    def _moved(self, folder_id: UUID | None) -> None:
        self.folder_id = folder_id

    def delete(self) -> None:
        self._refuse_if_deleted()
        self._deleted()

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True

    @property
    def awaits_removal(self) -> bool:
        return self.deleted and not self.object_removed

    def record_removal(self) -> None:
        if self.awaits_removal:
            self._object_removed()

    @event(ObjectRemoved)
    def _object_removed(self) -> None:
        self.object_removed = True

    def record_removal_failure(self, reason: str) -> None:
        if self.awaits_removal:
            reason = printable(reason.strip(), MAX_REASON) or "unknown"
            self._removal_failed(attempt=self.removal_failures + 1, reason=reason)

    @event(RemovalFailed)
    def _removal_failed(self, attempt: int, reason: str) -> None:
        self.removal_failures = attempt

    def _refuse_if_deleted(self) -> None:
        if self.deleted:
            raise MediaDeleted(f"file {self.id} was deleted", field="id")
