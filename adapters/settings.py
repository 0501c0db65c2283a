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
        description="Seals router and PPP passwords and WhatsApp credentials (32 bytes, "
        "urlsafe base64); embedded mode makes one in the data directory",
    )
    niaga_scheduler_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often the daily cycle (billing, dunning) repeats"
    )

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
