"""Proof of a manual bank transfer: an image or PDF kept in object storage, linked to the
transfer finance approves. The type is read from the file's first bytes, not its name."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

from application.payments.payments import PaymentService
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.object_storage import ObjectStorage
from application.shared.ports import Stores
from application.shared.unit_of_work import load
from domain.payments.payment import Transfer

PROOF_PREFIX = "proof:"


class ProofRefused(ApplicationError):
    code = "PROOF_REFUSED"


class ProofTooLarge(ProofRefused):
    code = "PROOF_TOO_LARGE"


class ProofTypeRefused(ProofRefused):
    code = "PROOF_TYPE_REFUSED"


@dataclass(frozen=True)
class ProofFile:
    content_type: str
    extension: str


def sniff(data: bytes) -> ProofFile | None:
    """JPEG, PNG, WebP or PDF by their magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return ProofFile("image/jpeg", "jpg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ProofFile("image/png", "png")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ProofFile("image/webp", "webp")
    if data.startswith(b"%PDF-"):
        return ProofFile("application/pdf", "pdf")
    return None


@dataclass(frozen=True)
class SubmittedProof:
    transfer_id: UUID
    key: str
    content_type: str
    size: int


class TransferProofs:
    def __init__(
        self, stores: Stores, payments: PaymentService, storage: ObjectStorage, max_bytes: int
    ) -> None:
        self._stores = stores
        self._payments = payments
        self._storage = storage
        self._max_bytes = max_bytes

    def submit(
        self, principal: Principal, customer_id: UUID, amount: int, data: bytes
    ) -> SubmittedProof:
        """Store the proof, then submit the transfer naming it; the file goes if that fails."""
        authorize(principal, Permission.SUBMIT_TRANSFERS)
        kind = self.check(data)
        key = f"{principal.tenant_id}/{uuid.uuid4()}.{kind.extension}"
        self._storage.put(key, data, kind.content_type)
        try:
            transfer_id = self._payments.submit_transfer(
                principal, customer_id, amount, PROOF_PREFIX + key
            )
        except Exception:
            self._storage.delete(key)
            raise
        return SubmittedProof(transfer_id, key, kind.content_type, len(data))

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    def check(self, data: bytes) -> ProofFile:
        if not data:
            raise ProofRefused("the proof file is empty", field="file")
        if len(data) > self._max_bytes:
            raise ProofTooLarge(
                f"the proof is {len(data)} bytes; at most {self._max_bytes} are accepted",
                field="file",
            )
        kind = sniff(data)
        if kind is None:
            raise ProofTypeRefused(
                "the proof must be a JPEG, PNG or WebP image or a PDF", field="file"
            )
        return kind

    def proof(self, principal: Principal, transfer_id: UUID) -> tuple[bytes, str]:
        """The proof of one of the tenant's transfers, with its content type."""
        authorize(principal, Permission.READ_BILLING)
        store = self._stores.for_tenant(principal.tenant_id)
        transfer = load(store, Transfer, transfer_id, principal.tenant_id, "transfer")
        reference = transfer.proof_reference
        if not reference.startswith(PROOF_PREFIX):
            raise NotFound("this transfer's proof was not uploaded here", field="id")
        try:
            data = self._storage.get(reference.removeprefix(PROOF_PREFIX))
        except KeyError:
            raise NotFound("the proof file is missing from storage", field="id") from None
        kind = sniff(data)
        return data, kind.content_type if kind else "application/octet-stream"
