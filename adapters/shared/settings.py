"""All settings in one place, read from the environment (and `.env`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

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


class BackupStorageKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


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
    niaga_host: str = "127.0.0.1"
    niaga_port: int = 8000
    niaga_db_pool_min: int = 1
    niaga_db_pool_max: int = 10
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

    niaga_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where gateways reach this server: callback URLs given to payment links",
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

    @property
    def production(self) -> bool:
        return self.niaga_env is Environment.PRODUCTION
