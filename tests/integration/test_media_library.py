"""The media library's commands on real PostgreSQL and the local disk: a failed write records
nothing, a deleted file's object is removed by the side effect's job, and the read model
maintained live equals one rebuilt from the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.agency.media import UploadMedia
from application.agency.ports import MediaFilter, StorageUnavailable
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, event_count, store_of

GIF = b"GIF89a" + b"\x20\x00\x10\x00" + b"\x00" * 20


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"niaga_media_dir": tmp_path / "media"})


def _objects(niaga: Niaga) -> list[Path]:
    root = niaga.settings.niaga_media_dir
    assert root is not None
    return [p for p in root.rglob("*") if p.is_file()]


def test_an_upload_moved_renamed_and_deleted_leaves_no_object_and_rebuilds_alike(
    niaga: Niaga, owner: Principal
) -> None:
    library, queries = niaga.media.library, niaga.media.queries
    folder = library.create_folder(owner, "Klien", None)
    file_id = library.upload(owner, UploadMedia("kartun.gif", GIF, folder_id=folder))
    view = queries.file(owner, file_id)
    assert view is not None
    assert (view.width, view.height) == (32, 16)
    library.rename(owner, file_id, "kartun final.gif")
    library.move(owner, file_id, None)
    assert [f.name for f in queries.files(owner, MediaFilter(top_level=True)).items] == [
        "kartun final.gif"
    ]
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("media_library",))

    library.delete(owner, file_id)
    assert len(_objects(niaga)) == 1  # the event first; the object goes with the side effect
    library.remove_object(owner.tenant_id, file_id)
    library.remove_object(owner.tenant_id, file_id)  # a job run twice does nothing more
    assert _objects(niaga) == []
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("media_library",))


def test_a_write_the_storage_refuses_records_nothing(
    niaga: Niaga, owner: Principal, tmp_path: Path
) -> None:
    blocker = tmp_path / "media"
    blocker.write_text("not a directory")  # every write under it fails
    before = event_count(niaga, store_of(niaga, owner.tenant_id).ref.schema)
    with pytest.raises(StorageUnavailable):
        niaga.media.library.upload(owner, UploadMedia("a.gif", GIF))
    assert event_count(niaga, store_of(niaga, owner.tenant_id).ref.schema) == before


def test_a_technician_may_read_but_not_upload(niaga: Niaga, owner: Principal) -> None:
    technician = principal_for(owner.tenant_id, Role.TECHNICIAN)
    with pytest.raises(PermissionDenied):
        niaga.media.library.upload(technician, UploadMedia("a.gif", GIF))
    assert niaga.media.queries.folders(technician) == []
