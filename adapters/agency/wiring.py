"""The media library of one container, wired from settings: its object storage (a local
directory by default, an S3-compatible bucket with NIAGA_MEDIA_STORAGE=s3), its services and
its process manager."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.agency.dispatcher import MediaRemovalDispatcher, removal_effect
from adapters.agency.read_models import PostgresMediaReadModels
from adapters.shared.job_transport import LocalPool
from adapters.shared.settings import ObjectStorageKind, Settings
from adapters.shared.storage_local import LocalObjectStorage
from adapters.shared.stores import PostgresStores
from application.agency.media import MediaLibrary
from application.agency.queries import MediaQueries
from application.shared.object_storage import ObjectStorage
from application.shared.ports import ReadModelSync


@dataclass
class MediaWiring:
    read_models: PostgresMediaReadModels
    storage: ObjectStorage
    library: MediaLibrary
    queries: MediaQueries

    def dispatcher(self, stores: PostgresStores) -> MediaRemovalDispatcher:
        """Removes deleted files' objects. Its jobs run in a pool of the projection daemon's
        process, also where dramatiq workers run the other side effects: a delete is one short
        call to the bucket, not worth a queue."""
        return MediaRemovalDispatcher(
            stores, self.read_models, LocalPool(removal_effect(self.library))
        )


def media_services(settings: Settings, stores: PostgresStores, sync: ReadModelSync) -> MediaWiring:
    read_models = PostgresMediaReadModels(stores)
    storage = media_storage(settings)
    library = MediaLibrary(stores, sync, read_models, storage, settings.niaga_media_max_bytes)
    return MediaWiring(read_models, storage, library, MediaQueries(stores, read_models, storage))


def media_storage(settings: Settings) -> ObjectStorage:
    if settings.niaga_media_storage is ObjectStorageKind.S3:
        from adapters.shared.storage_s3 import S3ObjectStorage

        bucket = settings.niaga_media_s3_bucket
        return S3ObjectStorage.from_settings(settings, bucket, settings.niaga_media_s3_prefix)
    return LocalObjectStorage(settings.niaga_media_dir or settings.niaga_data_dir / "media")
