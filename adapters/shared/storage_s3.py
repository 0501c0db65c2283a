"""Proofs in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...), through boto3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.shared.settings import Settings


class S3ProofStorage:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ProofStorage:
        if not settings.niaga_s3_bucket:
            raise ValueError("NIAGA_PROOF_STORAGE=s3 needs NIAGA_S3_BUCKET")
        import boto3  # only needed when proofs go to S3

        client = boto3.client(
            "s3",
            endpoint_url=settings.niaga_s3_endpoint_url,
            region_name=settings.niaga_s3_region,
        )
        return cls(client, settings.niaga_s3_bucket)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            raise KeyError(key) from None
        body: bytes = found["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)
