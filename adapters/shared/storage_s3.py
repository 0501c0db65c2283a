"""Objects in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...), through boto3:
transfer proofs and the media library, each under a key prefix of its own if wanted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from application.shared.object_storage import CHUNK_BYTES

if TYPE_CHECKING:
    from adapters.shared.settings import Settings


class S3ObjectStorage:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    @classmethod
    def from_settings(
        cls, settings: Settings, bucket: str | None = None, prefix: str = ""
    ) -> S3ObjectStorage:
        """A bucket (NIAGA_S3_BUCKET unless another is named) on NIAGA_S3_ENDPOINT_URL."""
        bucket = bucket or settings.niaga_s3_bucket
        if not bucket:
            raise ValueError("object storage on S3 needs NIAGA_S3_BUCKET")
        import boto3  # only needed when objects go to S3

        client = boto3.client(
            "s3",
            endpoint_url=settings.niaga_s3_endpoint_url,
            region_name=settings.niaga_s3_region,
        )
        return cls(client, bucket, prefix)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            Bucket=self._bucket, Key=self._prefix + key, Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        body: bytes = self._body(key).read()
        return body

    def open(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        body = self._body(key)  # a missing object raises here, before streaming starts
        return _closing(body.iter_chunks(chunk_bytes), body)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self._prefix + key)

    def _body(self, key: str) -> Any:
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=self._prefix + key)
        except self._client.exceptions.NoSuchKey:
            raise KeyError(key) from None
        return found["Body"]


def _closing(chunks: Iterator[bytes], body: Any) -> Iterator[bytes]:
    """The chunks, then the connection back to the pool (also when the client went away)."""
    try:
        yield from chunks
    finally:
        body.close()
