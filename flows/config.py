"""Configuration, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"


class Settings(BaseSettings):
    """Every variable is documented in `.env.example` and the README."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_DIR / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: SecretStr | None = None
    data_dir: Path = PROJECT_DIR / ".data"
    fastf1_cache_dir: Path | None = None
    fastf1_offline: bool = False
    # A session still without its results this many days after it ended is no longer polled
    # (status `unpublished`; FORCE=1 tries it again).
    unpublished_after_days: float = Field(default=7, gt=0)
    log_level: str = "INFO"
    log_format: str = Field(default="console", pattern="^(console|json)$")
    max_workers: int = Field(default=2, ge=1, le=16)
    # Telemetry loads kept per session after each backfill and sync (older, superseded ones are
    # dropped, the manifest kept whole); 0: keep every load (`make prune` by hand).
    telemetry_keep_loads: int = Field(default=2, ge=0)
    alert_webhook_url: SecretStr | None = None
    # F1's hosts: one budget shared by every process using this database (flows/rate_budget.py),
    # kept under FastF1's own limits (500 calls/h to any host, 200/h to Jolpica).
    rate_budget_calls: int = Field(default=450, ge=1)
    rate_budget_jolpica_calls: int = Field(default=180, ge=1)
    rate_budget_window_seconds: float = Field(default=3600, gt=0)
    # The F1 account FastF1 signs in with for live timing; without it, FastF1's mirror.
    f1_username: str | None = None
    f1_password: SecretStr | None = None

    @field_validator(
        "database_url", "alert_webhook_url", "f1_username", "f1_password", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _both_credentials(self) -> Settings:
        if (self.f1_username is None) != (self.f1_password is None):
            raise ValueError("set both F1_USERNAME and F1_PASSWORD, or neither")
        return self

    @property
    def f1_account(self) -> tuple[str, str] | None:
        """(username, password) for live timing, or None: no account configured."""
        if self.f1_username is None or self.f1_password is None:
            return None
        return self.f1_username, self.f1_password.get_secret_value()

    @property
    def unpublished_after(self) -> timedelta:
        return timedelta(days=self.unpublished_after_days)

    @property
    def cache_dir(self) -> Path:
        return self.fastf1_cache_dir or self.data_dir / "fastf1-cache"

    @property
    def embedded_pgdata(self) -> Path:
        return self.data_dir / "postgres"


class SettingsError(ValueError):
    """A variable has a value we cannot use; the message names it (never its value)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = "_".join(str(part) for part in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{where}: {message}" if where else message) from None
