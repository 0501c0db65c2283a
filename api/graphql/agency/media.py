"""The media library in GraphQL: folders, files with their metadata (search, filters, keyset
pages), and arranging them. Files are uploaded and downloaded over REST (`/api/v1/media`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import found, parse_enum, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import Connection, connection_parts
from application.agency.media import MediaKind
from application.agency.ports import MediaFileView, MediaFilter, MediaFolderView
from application.shared.context import Principal
from application.shared.ports import Page
from domain.agency.file_types import MediaType

DOWNLOAD = "/api/v1/media/{}/content"


@strawberry.type(description="A folder of the media library; folders are ids, not paths.")
class MediaFolder:
    id: strawberry.ID
    name: str
    parent_id: strawberry.ID | None = strawberry.field(description="Null at the top level")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: MediaFolderView) -> MediaFolder:
        return cls(
            id=strawberry.ID(str(view.id)),
            name=view.name,
            parent_id=_id(view.parent_id),
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


@strawberry.type(description="A file of the media library, with what a list or grid shows.")
class MediaFile:
    id: strawberry.ID
    folder_id: strawberry.ID | None = strawberry.field(description="Null at the top level")
    name: str
    type: str = strawberry.field(description="image, pdf, text or archive: by its content")
    content_type: str = strawberry.field(description="Read from the file's bytes, not its name")
    size_bytes: int
    width: int | None = strawberry.field(description="Pixels, for images")
    height: int | None = strawberry.field(description="Pixels, for images")
    uploaded_by: str = strawberry.field(description="Who uploaded it (user:... or api_key:...)")
    uploaded_at: datetime
    updated_at: datetime
    download_path: str = strawberry.field(
        description="GET it with the same credential to stream the file"
    )

    @classmethod
    def from_view(cls, view: MediaFileView) -> MediaFile:
        return cls(
            id=strawberry.ID(str(view.id)),
            folder_id=_id(view.folder_id),
            name=view.name,
            type=view.media_type.value,
            content_type=view.content_type,
            size_bytes=view.size_bytes,
            width=view.width,
            height=view.height,
            uploaded_by=view.uploaded_by,
            uploaded_at=view.uploaded_at,
            updated_at=view.updated_at,
            download_path=DOWNLOAD.format(view.id),
        )


@strawberry.type
class MediaFileEdge:
    cursor: str
    node: MediaFile


@strawberry.type
class MediaFileConnection(Connection[MediaFileEdge]):
    @classmethod
    def from_page(cls, page: Page[MediaFileView]) -> MediaFileConnection:
        return cls(**connection_parts(page, MediaFile.from_view, MediaFileEdge))


@strawberry.type(description="The folder or file a mutation changed (the other is null).")
class MediaSuccess:
    id: strawberry.ID
    folder: MediaFolder | None
    file: MediaFile | None


MediaResult = Annotated[MediaSuccess | Errors, strawberry.union("MediaResult")]


@strawberry.type
class MediaQuery:
    @strawberry.field(
        description="All folders of your media library, by name; build the tree from parentId."
    )
    async def media_folders(self, info: NiagaInfo) -> list[MediaFolder]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.media_queries.folders(who))
        return [MediaFolder.from_view(v) for v in views]

    @strawberry.field(
        description="Files, newest first: in one folder (topLevel: outside every folder) or in "
        "all, whose names contain `search` (any case), of one type (image, pdf, text, archive)."
    )
    async def media_files(
        self,
        info: NiagaInfo,
        folder_id: strawberry.ID | None = None,
        top_level: bool = False,
        search: str | None = None,
        type: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> MediaFileConnection:
        services, who = info.context.services, info.context.principal

        def files() -> Page[MediaFileView]:
            which = MediaFilter(
                parse_id(folder_id, "folderId") if folder_id is not None else None,
                top_level,
                search,
                parse_enum(MediaType, type, "type") if type is not None else None,
            )
            return services.media_queries.files(who, which, first, after)

        return MediaFileConnection.from_page(await query(files))

    @strawberry.field(description="One file of your media library.")
    async def media_file(self, info: NiagaInfo, id: strawberry.ID) -> MediaFile:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.media_queries.file(who, parse_id(id, "id")), "file")
        )
        return MediaFile.from_view(view)


@strawberry.type
class MediaMutation:
    @strawberry.mutation(description="Create a folder, at the top level or inside another.")
    async def create_media_folder(
        self, info: NiagaInfo, name: str, parent_id: strawberry.ID | None = None
    ) -> MediaResult:
        services, who = info.context.services, info.context.principal

        def create() -> MediaSuccess:
            parent = parse_id(parent_id, "parentId") if parent_id is not None else None
            folder_id = services.media_library.create_folder(who, name, parent)
            return _success(info, who, folder_id, MediaKind.FOLDER)

        return await run_command(create)

    @strawberry.mutation(description="Rename a file or a folder.")
    async def rename_media(self, info: NiagaInfo, id: strawberry.ID, name: str) -> MediaResult:
        services, who = info.context.services, info.context.principal

        def rename() -> MediaSuccess:
            item_id = parse_id(id, "id")
            kind = services.media_library.rename(who, item_id, name)
            return _success(info, who, item_id, kind)

        return await run_command(rename)

    @strawberry.mutation(
        description="Move a file or a folder into a folder (folderId null: to the top level)."
    )
    async def move_media(
        self, info: NiagaInfo, id: strawberry.ID, folder_id: strawberry.ID | None = None
    ) -> MediaResult:
        services, who = info.context.services, info.context.principal

        def move() -> MediaSuccess:
            item_id = parse_id(id, "id")
            target = parse_id(folder_id, "folderId") if folder_id is not None else None
            kind = services.media_library.move(who, item_id, target)
            return _success(info, who, item_id, kind)

        return await run_command(move)

    @strawberry.mutation(
        description="Delete a file (its stored object is removed shortly after) or an empty folder."
    )
    async def delete_media(self, info: NiagaInfo, id: strawberry.ID) -> MediaResult:
        services, who = info.context.services, info.context.principal

        def delete() -> MediaSuccess:
            services.media_library.delete(who, parse_id(id, "id"))
            return MediaSuccess(id=id, folder=None, file=None)

        return await run_command(delete)


def _success(info: NiagaInfo, who: Principal, item_id: UUID, kind: MediaKind) -> MediaSuccess:
    """The changed item as the read model now shows it."""
    queries = info.context.services.media_queries
    if kind is MediaKind.FILE:
        view = found(queries.file(who, item_id), "file")
        return MediaSuccess(
            id=strawberry.ID(str(item_id)), folder=None, file=MediaFile.from_view(view)
        )
    folder = found(next((f for f in queries.folders(who) if f.id == item_id), None), "folder")
    return MediaSuccess(
        id=strawberry.ID(str(item_id)), folder=MediaFolder.from_view(folder), file=None
    )


def _id(value: UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None
