"""Transfer proofs in an S3-compatible bucket, against moto's S3 server over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from adapters.bootstrap import Niaga
from adapters.shared.settings import ProofStorageKind, Settings
from adapters.shared.storage_s3 import S3ObjectStorage
from application.customers.customers import RegisterCustomer
from application.shared.context import Principal
from application.shared.errors import NotFound

PDF = b"%PDF-1.4\n" + b"1" * 100


@pytest.fixture
def s3_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "uji")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rahasia-uji")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()  # on a port the system picks: no race with other test workers
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket="bukti")
    yield url
    server.stop()


@pytest.fixture
def settings(settings: Settings, s3_url: str) -> Settings:
    return settings.model_copy(
        update={
            "niaga_proof_storage": ProofStorageKind.S3,
            "niaga_s3_bucket": "bukti",
            "niaga_s3_endpoint_url": s3_url,
            "niaga_s3_region": "us-east-1",
        }
    )


def test_objects_are_put_read_and_deleted(settings: Settings) -> None:
    storage = S3ObjectStorage.from_settings(settings)
    storage.put("a/b.pdf", PDF, "application/pdf")
    assert storage.get("a/b.pdf") == PDF
    storage.delete("a/b.pdf")
    with pytest.raises(KeyError):
        storage.get("a/b.pdf")


def test_a_proof_uploaded_for_a_transfer_lands_in_the_bucket(
    niaga: Niaga, owner: Principal, s3_url: str
) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Rina", "081311112222"))
    submitted = niaga.transfer_proofs.submit(owner, customer, 75_000, PDF)
    keys = [
        o["Key"]
        for o in boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")
        .list_objects_v2(Bucket="bukti")
        .get("Contents", [])
    ]
    assert keys == [submitted.key]
    assert niaga.transfer_proofs.proof(owner, submitted.transfer_id) == (PDF, "application/pdf")
    with pytest.raises(NotFound):
        niaga.transfer_proofs.proof(owner, customer)
