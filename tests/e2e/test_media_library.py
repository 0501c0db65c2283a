"""The media library over HTTP, on the local disk and on an S3 server (moto's, over real HTTP):
uploads typed by their bytes with image dimensions, refusals that change nothing, arranging
files in folders, search and filters, deletion removing the object, and tenants kept apart."""

from __future__ import annotations

import struct
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from adapters.bootstrap import Niaga
from adapters.shared.settings import ObjectStorageKind, Settings
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

TEXT = b"Catatan rapat klien.\n"
FILES = """
query($folderId: ID, $topLevel: Boolean! = false, $search: String, $type: String) {
  mediaFiles(folderId: $folderId, topLevel: $topLevel, search: $search, type: $type, first: 10) {
    totalCount edges { node { id name folderId type contentType sizeBytes width height
    uploadedBy } }
  }
}"""
RESULT = "__typename ... on MediaSuccess { id folder { id name parentId } file { id name "
RESULT += "folderId } } ... on Error { code message field }"
CREATE = f"mutation($name: String!, $parentId: ID) {{ createMediaFolder(name: $name, parentId: $parentId) {{ {RESULT} }} }}"  # noqa: E501
RENAME = (
    f"mutation($id: ID!, $name: String!) {{ renameMedia(id: $id, name: $name) {{ {RESULT} }} }}"
)
MOVE = f"mutation($id: ID!, $folderId: ID) {{ moveMedia(id: $id, folderId: $folderId) {{ {RESULT} }} }}"  # noqa: E501
DELETE = f"mutation($id: ID!) {{ deleteMedia(id: $id) {{ {RESULT} }} }}"


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\x00" * 40


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00" * 3
    return b"\xff\xd8" + app0 + frame + b"\x00" * 32 + b"\xff\xd9"


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    if request.param == "local":
        yield {"niaga_media_dir": tmp_path / "media", "niaga_media_max_bytes": 4096}
        return
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "uji")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rahasia-uji")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's servers in one process share their buckets: each test gets a bucket of its own.
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=bucket)
    yield {
        "niaga_media_storage": ObjectStorageKind.S3,
        "niaga_media_s3_bucket": bucket,
        "niaga_s3_endpoint_url": url,
        "niaga_s3_region": "us-east-1",
        "niaga_media_max_bytes": 4096,
    }
    server.stop()


@pytest.fixture
def settings(settings: Settings, storage: dict[str, Any]) -> Settings:
    return settings.model_copy(update=storage)


class Library:
    def __init__(self, niaga: Niaga, server: str, token: str) -> None:
        self.niaga, self.server = niaga, server
        self.headers = {"Authorization": f"Bearer {token}"}
        self.gql = GraphQL(server, token)

    def upload(
        self, data: bytes, filename: str, folder_id: str | None = None, **form: str
    ) -> httpx.Response:
        fields = {**form, **({"folder_id": folder_id} if folder_id else {})}
        files = {"file": (filename, data, "application/octet-stream")}
        return httpx.post(
            f"{self.server}/api/v1/media", headers=self.headers, data=fields, files=files
        )

    def content(self, file_id: str) -> httpx.Response:
        return httpx.get(f"{self.server}/api/v1/media/{file_id}/content", headers=self.headers)

    def files(self, **filters: object) -> dict[str, Any]:
        answer: dict[str, Any] = self.gql(FILES, **filters)["mediaFiles"]  # type: ignore[assignment]
        return answer

    def names(self, **filters: object) -> list[str]:
        return sorted(edge["node"]["name"] for edge in self.files(**filters)["edges"])

    def mutate(self, document: str, **variables: object) -> dict[str, Any]:
        data = self.gql(document, **variables)
        result: dict[str, Any] = next(iter(data.values()))  # type: ignore[assignment]
        return result

    def objects(self) -> list[str]:
        settings = self.niaga.settings
        if settings.niaga_media_storage is ObjectStorageKind.LOCAL:
            root = settings.niaga_media_dir
            assert root is not None
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        client = boto3.client(
            "s3", endpoint_url=settings.niaga_s3_endpoint_url, region_name="us-east-1"
        )
        bucket = settings.niaga_media_s3_bucket
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(o["Key"] for o in listed)


def _library(niaga: Niaga, server: str, name: str) -> Library:
    tenant_id = niaga.tenants.create(name, Placement.SHARED)
    return Library(niaga, server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)


@pytest.fixture
def library(niaga: Niaga, server: str) -> Library:
    return _library(niaga, server, "Studio Kreatif Nusantara")


def test_uploads_are_typed_by_their_bytes_with_image_dimensions_and_read_back(
    library: Library,
) -> None:
    image = library.upload(png(640, 480), "logo.png")
    photo = library.upload(jpeg(1200, 800), "foto klien.JPG")
    note = library.upload(TEXT, "catatan.txt")
    assert [r.status_code for r in (image, photo, note)] == [201, 201, 201], image.text
    assert (image.json()["width"], image.json()["height"]) == (640, 480)
    assert image.json()["content_type"] == "image/png"
    assert (photo.json()["width"], photo.json()["height"]) == (1200, 800)
    assert photo.json()["type"] == "image"
    assert note.json()["type"] == "text"
    assert note.json()["width"] is None
    assert image.json()["uploaded_by"].startswith("api_key:")
    tenant = library.objects()[0].removeprefix("media/").split("/")[0]
    assert len(library.objects()) == 3
    assert all(tenant in key for key in library.objects())

    back = library.content(photo.json()["id"])
    assert back.status_code == 200
    assert back.content == jpeg(1200, 800)
    assert back.headers["content-type"] == "image/jpeg"
    assert back.headers["x-content-type-options"] == "nosniff"


def test_renaming_moving_and_deleting_a_file_removes_its_object(library: Library) -> None:
    file_id = library.upload(png(10, 10), "draft.png").json()["id"]
    folder = library.mutate(CREATE, name="Klien A")["folder"]
    renamed = library.mutate(RENAME, id=file_id, name="final.png")
    moved = library.mutate(MOVE, id=file_id, folderId=folder["id"])
    assert renamed["file"]["name"] == "final.png"
    assert moved["file"]["folderId"] == folder["id"]
    assert library.names(folderId=folder["id"]) == ["final.png"]

    assert library.mutate(DELETE, id=folder["id"])["code"] == "FOLDER_NOT_EMPTY"
    assert library.mutate(DELETE, id=file_id)["__typename"] == "MediaSuccess"
    assert library.names() == []
    assert library.content(file_id).status_code == 404
    deadline = time.monotonic() + 10
    while library.objects() and time.monotonic() < deadline:
        time.sleep(0.1)  # the side effect removes the object after the event
    assert library.objects() == []
    assert library.mutate(DELETE, id=folder["id"])["__typename"] == "MediaSuccess"


# What a bad upload is answered: status and code. One server for all of them.
BAD_UPLOADS = [
    (b"MZ\x90\x00\x03\x00\x00\x00 program", "foto.png", 415, "MEDIA_TYPE_REFUSED"),
    (png(8, 8), "laporan.pdf", 415, "MEDIA_TYPE_REFUSED"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "rusak.png", 415, "MEDIA_TYPE_REFUSED"),
    (png(8, 8) + b"\x00" * 4096, "besar.png", 413, "MEDIA_TOO_LARGE"),
    (png(8, 8), "../../etc/passwd.png", 400, "INVALID_VALUE"),
    (png(8, 8), "a\\..\\b.png", 400, "INVALID_VALUE"),
    (b"", "kosong.txt", 400, "INVALID_VALUE"),
]


@pytest.mark.parametrize("storage", ["local"], indirect=True)
def test_bad_uploads_are_refused_clearly_and_store_nothing(library: Library) -> None:
    for data, filename, status, code in BAD_UPLOADS:
        answer = library.upload(data, filename)
        assert answer.status_code == status, (filename, answer.text)
        assert answer.json()["detail"]["code"] == code, filename
    assert library.objects() == []
    assert library.files()["totalCount"] == 0


@pytest.mark.parametrize("storage", ["local"], indirect=True)
def test_names_with_path_tricks_are_refused_everywhere(library: Library) -> None:
    file_id = library.upload(TEXT, "ok.txt").json()["id"]
    assert library.mutate(RENAME, id=file_id, name="../ok.txt")["code"] == "INVALID_VALUE"
    assert library.mutate(CREATE, name="a/b")["field"] == "name"
    assert library.upload(TEXT, "ok.txt", name="..").status_code == 400
    assert library.names() == ["ok.txt"]


@pytest.mark.parametrize("storage", ["local"], indirect=True)
def test_search_filters_and_folders(library: Library) -> None:
    outer = library.mutate(CREATE, name="Proyek")["folder"]["id"]
    inner = library.mutate(CREATE, name="Aset", parentId=outer)["folder"]["id"]
    library.upload(png(4, 4), "Banner_Promo.png", folder_id=inner)
    library.upload(TEXT, "brief promo.txt", folder_id=outer)
    library.upload(jpeg(2, 2), "foto.jpg")

    assert library.names(search="PROMO") == ["Banner_Promo.png", "brief promo.txt"]
    assert library.names(search="_") == ["Banner_Promo.png"]  # LIKE characters taken literally
    assert library.names(type="image") == ["Banner_Promo.png", "foto.jpg"]
    assert library.names(topLevel=True) == ["foto.jpg"]
    assert library.files(folderId=outer, type="text")["totalCount"] == 1
    assert library.mutate(MOVE, id=outer, folderId=inner)["code"] == "MEDIA_MOVE_REFUSED"
    assert library.mutate(MOVE, id=inner)["folder"]["parentId"] is None
    bad = library.gql.post(FILES, type="video").json()["errors"][0]
    assert "type must be one of" in bad["message"]


@pytest.mark.parametrize("storage", ["local"], indirect=True)
def test_another_tenant_can_neither_see_nor_fetch_nor_change_a_file(
    library: Library, niaga: Niaga, server: str
) -> None:
    file_id = library.upload(png(3, 3), "rahasia.png").json()["id"]
    folder_id = library.mutate(CREATE, name="Privat")["folder"]["id"]
    other = _library(niaga, server, "Agensi Lain")

    assert other.files()["totalCount"] == 0
    assert other.content(file_id).status_code == 404
    assert other.mutate(RENAME, id=file_id, name="milikku.png")["code"] == "NOT_FOUND"
    assert other.mutate(DELETE, id=folder_id)["code"] == "NOT_FOUND"
    assert other.upload(TEXT, "x.txt", folder_id=folder_id).status_code == 404
    assert library.names() == ["rahasia.png"]


@pytest.mark.parametrize("storage", ["local"], indirect=True)
def test_an_auditor_may_look_but_not_upload(library: Library, niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("Agensi Audit", Placement.SHARED)
    auditor = Library(niaga, server, niaga.tenants.issue_api_key(tenant_id, Role.AUDITOR).token)
    answer = auditor.upload(TEXT, "x.txt")
    assert answer.status_code == 403
    assert auditor.files()["totalCount"] == 0
