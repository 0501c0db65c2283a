"""All settings in one place, read from the environment (and `.env`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("niaga"))


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class ProofStorageKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


# Where objects go (transfer proofs, the media library): the same two choices for every kind.
ObjectStorageKind = ProofStorageKind


class BackupStorageKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class SmtpTls(StrEnum):
    NONE = "none"  # plain SMTP (a relay on the same host or network)
    STARTTLS = "starttls"  # upgrade the connection (port 587)
    SSL = "ssl"  # TLS from the first byte (port 465)


class KbEmbedder(StrEnum):
    GEMINI = "gemini"
    LOCAL = "local"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset starts the embedded PostgreSQL"
    )
    redis_url: str | None = Field(
        default=None, description="Redis for dramatiq; unset runs jobs in-process"
    )
    niaga_env: Environment = Environment.DEVELOPMENT
    niaga_data_dir: Path = Field(default_factory=default_data_dir)
    niaga_platform_schema: str = "niaga"
    niaga_servers: dict[str, str] = Field(
        default_factory=dict,
        description="PostgreSQL servers tenants may be placed on besides `main` (the platform "
        'database): JSON, e.g. {"jkt2": "postgresql://niaga@10.0.0.2/niaga"}',
    )
    niaga_regions: dict[str, list[str]] = Field(
        default_factory=lambda: {"id": ["main"], "global": ["main"]},
        description="Which servers each region's tenants may be placed on, the first by "
        'default: JSON, e.g. {"id": ["main", "jkt2"], "global": ["main"]}',
    )
    niaga_default_region: str = Field(
        default="id", description="The region of a tenant registered without one"
    )
    niaga_move_grace_hours: float = Field(
        default=24.0,
        ge=0,
        description="How long a moved tenant's old copy is kept before it is removed",
    )
    niaga_server_pool_max: int = Field(
        default=3, ge=1, description="Connections a process opens at most to each other database"
    )
    niaga_host: str = "127.0.0.1"
    niaga_port: int = 8000
    niaga_db_pool_min: int = 1
    niaga_db_pool_max: int = 10
    niaga_migrate_parallel: int = Field(
        default=4,
        ge=1,
        le=64,
        description="`niaga migrate`: stores migrated at once (and never more on one server than "
        "its connection pool holds)",
    )
    niaga_projection_page_size: int = 1000
    niaga_read_model_wait_seconds: float = 2.0
    niaga_secret_key: str | None = Field(
        default=None,
        description="Seals router and PPP passwords, gateway and WhatsApp credentials (32 bytes, "
        "urlsafe base64); embedded mode makes one in the data directory",
    )
    niaga_scheduler_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often the daily cycle (billing, dunning) repeats"
    )
    niaga_webhooks_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs in private, loopback and link-local ranges (tests, "
        "on-premises receivers)",
    )
    niaga_webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    niaga_webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="Webhook POSTs in flight at once, per process"
    )
    niaga_api_rate_per_second: float = Field(
        default=10.0, gt=0, description="Public REST API: requests per second per API key"
    )
    niaga_api_rate_burst: int = Field(
        default=20, ge=1, description="Public REST API: requests an idle API key may burst"
    )
    niaga_answer_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="GraphQL: how long an answer to a query may be reused while the read models "
        "it read have not moved (bounds answers that depend on the time of day); 0 turns reuse off",
    )
    niaga_answer_cache_size: int = Field(
        default=512, ge=0, description="GraphQL: answers kept per process (least recently used go)"
    )
    niaga_api_key_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long a process trusts an API key it read; a recorded change (revocation) "
        "ends that at once in every process; 0 reads the key on every request",
    )
    niaga_api_key_cache_size: int = Field(
        default=10_000, ge=0, description="API keys kept per process (least recently used go)"
    )

    niaga_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where gateways and people reach this server: callback URLs given to payment "
        "links, and the links e-mailed to people (verify, sign in, reset a password)",
    )
    niaga_gateway_timeout_seconds: float = Field(default=10.0, gt=0)
    niaga_callback_max_bytes: int = Field(default=65_536, gt=0)
    niaga_recheck_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often callbacks awaiting a status re-check retry"
    )
    niaga_proof_storage: ProofStorageKind = ProofStorageKind.LOCAL
    niaga_proof_dir: Path | None = Field(
        default=None, description="Local transfer proofs; unset: <data dir>/proofs"
    )
    niaga_proof_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    niaga_s3_bucket: str | None = None
    niaga_s3_endpoint_url: str | None = Field(
        default=None, description="An S3-compatible endpoint (MinIO, R2, ...); unset: AWS"
    )
    niaga_s3_region: str | None = None
    # The media library (docs/agency.md): its own directory, or the S3 bucket under a prefix.
    niaga_media_storage: ObjectStorageKind = Field(
        default=ObjectStorageKind.LOCAL, description="Where media files go: local or s3"
    )
    niaga_media_dir: Path | None = Field(
        default=None, description="Local media files; unset: <data dir>/media"
    )
    niaga_media_max_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0, description="The largest media file accepted"
    )
    niaga_media_s3_bucket: str | None = Field(
        default=None, description="Bucket for media files; unset: NIAGA_S3_BUCKET"
    )
    niaga_media_s3_prefix: str = Field(default="media/", description="Key prefix in the bucket")

    niaga_whatsapp_cloud_api_url: str = Field(
        default="https://graph.facebook.com/v21.0",
        description="Base URL of Meta's WhatsApp Cloud API, with its version",
    )
    niaga_fonnte_url: str = Field(default="https://api.fonnte.com", description="Fonnte's API")
    niaga_whatsapp_max_age_hours: float = Field(
        default=24.0, gt=0, description="WhatsApp notices older than this are no longer sent"
    )
    niaga_payment_link_base: str | None = Field(
        default=None, description="Payment links in messages: this base plus the invoice id"
    )
    # E-mail (docs/email.md): off while no host is set.
    niaga_smtp_host: str | None = Field(
        default=None, description="The SMTP server e-mail is sent through; unset: e-mail is off"
    )
    niaga_smtp_port: int = Field(default=587, gt=0, lt=65536)
    niaga_smtp_username: str | None = Field(default=None, description="Unset: no login")
    niaga_smtp_password: str | None = None
    niaga_smtp_tls: SmtpTls = Field(
        default=SmtpTls.STARTTLS, description="none, starttls (port 587) or ssl (port 465)"
    )
    niaga_smtp_from: str | None = Field(
        default=None, description="The sender address (required with a host)"
    )
    niaga_smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    niaga_email_max_age_hours: float = Field(
        default=24.0, gt=0, description="E-mail notices older than this are no longer sent"
    )

    niaga_backup_storage: BackupStorageKind = Field(
        default=BackupStorageKind.LOCAL, description="Where `niaga backup` writes: local or s3"
    )
    niaga_backup_dir: Path | None = Field(
        default=None, description="Local backups; unset: <data dir>/backups"
    )
    niaga_backup_s3_bucket: str | None = Field(
        default=None, description="Bucket for backups (endpoint and region: NIAGA_S3_*)"
    )
    niaga_backup_s3_prefix: str = Field(default="niaga-backups/", description="Key prefix")
    niaga_backup_daily: bool = Field(
        default=False, description="The scheduler takes a backup once a day (UTC)"
    )
    niaga_backup_keep_daily_days: int = Field(
        default=30, ge=1, description="Keep the newest backup of each day for this many days"
    )
    niaga_backup_keep_weekly_weeks: int = Field(
        default=12, ge=0, description="Keep the newest backup of each ISO week this many weeks"
    )
    niaga_pg_bin_dir: Path | None = Field(
        default=None,
        description="Where pg_dump and pg_restore are; unset: the server's own version is "
        "looked for (Debian's /usr/lib/postgresql/N/bin, the embedded wheel, PATH)",
    )

    # The language model (Gemini through google-genai). AI is off until a key is added
    # (`niaga ai keys add`, or a tenant's own through GraphQL `addAiKey`).
    niaga_ai_base_url: str | None = Field(
        default=None,
        description="Gemini API base URL; unset: Google's endpoint (tests and the demo point it "
        "at a local fake Gemini)",
    )
    niaga_ai_api_version: str = Field(default="v1beta", description="Gemini API version")
    niaga_ai_models: str = Field(
        default="gemini-2.5-flash,gemini-2.5-flash-lite",
        description="The model fallback chain, best first, comma-separated",
    )
    niaga_ai_embedding_model: str = Field(default="gemini-embedding-001")
    niaga_ai_embedding_dimensions: int = Field(default=768, ge=1, le=3072)
    niaga_ai_timeout_seconds: float = Field(
        default=20.0, gt=0, description="One request to the model; past it the next model"
    )
    niaga_ai_deadline_seconds: float = Field(
        default=45.0, gt=0, description="One AI call, with every key, model and retry"
    )
    niaga_ai_retries: int = Field(
        default=1, ge=0, le=5, description="Passes over the chain again after transient failures"
    )
    niaga_ai_backoff_seconds: float = Field(
        default=0.5, ge=0, description="First pause before a retry; doubles, with jitter"
    )
    niaga_ai_cooldown_seconds: float = Field(
        default=60.0, gt=0, description="A rate-limited key's rest when the server names none"
    )
    niaga_ai_error_rest_seconds: float = Field(
        default=10.0, gt=0, description="A key's rest on a model after a 5xx naming no delay"
    )
    niaga_ai_breaker_failures: int = Field(
        default=5, ge=1, description="Provider failures in a row that open the circuit breaker"
    )
    niaga_ai_breaker_open_seconds: float = Field(
        default=60.0, gt=0, description="How long an open breaker refuses calls"
    )
    niaga_ai_json_attempts: int = Field(
        default=2, ge=1, le=5, description="Asks for valid JSON before a feature degrades"
    )
    niaga_ai_key_refresh_seconds: float = Field(
        default=30.0, gt=0, description="How often a process re-reads the keys from the stores"
    )
    niaga_ai_prices: dict[str, tuple[int, int]] = Field(
        default={
            "gemini-2.5-flash": (4_800, 40_000),
            "gemini-2.5-flash-lite": (1_600, 6_400),
            "gemini-embedding-001": (2_400, 0),
        },
        description="Rupiah per million input and output tokens, per model (JSON); the "
        "defaults are Google's USD list prices at Rp 16.000 per USD",
    )
    # The platform's own billing of its tenants (docs/platform-billing.md).
    niaga_stripe_api_key: str | None = Field(
        default=None, description="Stripe secret key (sk_...); unset: platform billing is off"
    )
    niaga_stripe_webhook_secret: str | None = Field(
        default=None, description="Signing secret (whsec_...) of the /callbacks/stripe endpoint"
    )
    niaga_stripe_api_base: str | None = Field(
        default=None, description="Stripe's API address; unset: Stripe's own (tests: a fake)"
    )
    niaga_platform_plans: list[dict[str, Any]] | None = Field(
        default=None,
        description="The platform's plans (JSON list, see docs/platform-billing.md); unset: "
        "the built-in starter and growth plans",
    )
    niaga_message_cost_idr: int = Field(
        default=0,
        ge=0,
        le=100_000,
        description="What one WhatsApp message the provider takes costs the platform, in "
        "rupiah: the operator's console counts each tenant's message cost with it "
        "(docs/platform.md); 0: messages are counted free",
    )
    # The knowledge base (docs/ai.md, "Knowledge base").
    niaga_kb_embedder: KbEmbedder | None = Field(
        default=None,
        description="The knowledge base's embedding model: gemini (through the AI keys) or "
        "local (wordllama, shipped in its wheel); unset: gemini in production, local otherwise",
    )
    niaga_kb_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="The largest PDF the knowledge base takes"
    )
    niaga_kb_min_similarity: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity below which a chunk is not relevant by vector alone; "
        "unset: the embedder's own (0.65 local, 0.7 Gemini)",
    )

    niaga_concierge_escalate_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="Minutes a WhatsApp customer waits for a technician before the chat is "
        "escalated to the shop's staff",
    )

    @field_validator("niaga_platform_schema")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not value.isidentifier() or not value.islower():
            raise ValueError("must be a lower-case SQL identifier")
        return value

    @field_validator("niaga_db_pool_max")
    @classmethod
    def _pool(cls, value: int) -> int:
        if value < 2:
            raise ValueError("needs at least 2 connections")
        return value

    @field_validator("niaga_ai_models")
    @classmethod
    def _models(cls, value: str) -> str:
        if not any(model.strip() for model in value.split(",")):
            raise ValueError("must name at least one model")
        return value

    @property
    def production(self) -> bool:
        return self.niaga_env is Environment.PRODUCTION

    @property
    def kb_embedder(self) -> KbEmbedder:
        if self.niaga_kb_embedder is not None:
            return self.niaga_kb_embedder
        return KbEmbedder.GEMINI if self.production else KbEmbedder.LOCAL

    @property
    def ai_models(self) -> tuple[str, ...]:
        return tuple(m.strip() for m in self.niaga_ai_models.split(",") if m.strip())
