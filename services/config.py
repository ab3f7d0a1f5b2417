"""Settings from environment variables, validated with pydantic. Documented in README ("Configuration").

A bad value stops start-up with a message naming the variable (see :func:`load_settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(SystemExit):
    """Raised (as a clean exit with a message) when an environment variable is invalid."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # -- connections (unset = embedded) -----------------------------------------------------------------
    kafka_bootstrap: str | None = Field(None, description="Kafka bootstrap servers; unset starts the embedded broker")
    clickhouse_url: str | None = Field(None, description="ClickHouse HTTP URL; unset uses the embedded engine")
    clickhouse_database: str = Field("flywheel", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    schema_registry_url: str | None = None

    # -- runtime ----------------------------------------------------------------------------------------
    flywheel_data_dir: Path = Path("data")
    flywheel_role: Literal["all", "worker", "api"] = "all"
    flywheel_topic_prefix: str = Field("", pattern=r"^[A-Za-z0-9._-]*$")
    flywheel_replication_factor: int = Field(1, ge=1, le=5)
    flywheel_producer_idempotence: bool | None = Field(
        None, description="idempotent producer; default: on for KAFKA_BOOTSTRAP, off for the embedded broker")
    flywheel_consumer_group: str = "flywheel"
    flywheel_api_host: str = "127.0.0.1"
    flywheel_api_port: int = Field(8080, ge=0, le=65535)
    flywheel_api_keys: str = Field("demo-key=demo/demo-app",
                                   description="comma-separated KEY=TENANT/APP entries")
    flywheel_api_max_batch: int = Field(1000, ge=1, le=100_000)
    flywheel_log_format: Literal["json", "console", "auto"] = "auto"
    flywheel_log_level: Literal["debug", "info", "warning", "error"] = "info"

    # -- inline path -------------------------------------------------------------------------------------
    flywheel_retrieval_top_k: int = Field(5, ge=1, le=100)
    flywheel_cache_hot_threshold: int = Field(5, ge=1, description="requests per window that make a key hot")
    flywheel_cache_hot_window_s: float = Field(300.0, gt=0)
    flywheel_generator_url: str | None = Field(None, description="OpenAI-compatible base URL for the cache warmer")
    flywheel_generator_model: str = "gpt-4o-mini"
    flywheel_generator_api_key: str | None = None

    # -- warehouse sink ---------------------------------------------------------------------------------
    flywheel_sink_batch_rows: int = Field(20_000, ge=1, le=1_000_000)
    flywheel_sink_flush_ms: int = Field(250, ge=1, le=600_000)
    flywheel_redact_pii: bool = Field(True, description="redact PII in free-text fields before storing them")
    flywheel_raw_ttl_days: int = Field(365, ge=1, le=36_500)
    flywheel_dead_letter_ttl_days: int = Field(90, ge=1, le=36_500)

    @field_validator("kafka_bootstrap", "clickhouse_url", "schema_registry_url", "flywheel_generator_url",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("clickhouse_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. http://default:@localhost:8123")
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _host_ports(cls, value: str | None) -> str | None:
        if value is None:
            return value
        for part in value.split(","):
            host, _, port = part.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"expected host:port[,host:port], got {part!r}")
        return value

    @field_validator("flywheel_api_keys")
    @classmethod
    def _keys(cls, value: str) -> str:
        parse_api_keys(value)
        return value

    # -- derived ----------------------------------------------------------------------------------------
    @property
    def embedded_broker(self) -> bool:
        return self.kafka_bootstrap is None

    @property
    def embedded_clickhouse(self) -> bool:
        return self.clickhouse_url is None

    @property
    def idempotent_producer(self) -> bool:
        if self.flywheel_producer_idempotence is None:
            return not self.embedded_broker
        return self.flywheel_producer_idempotence

    @property
    def warehouse_path(self) -> Path:
        return self.flywheel_data_dir / "warehouse"

    @property
    def api_keys(self) -> dict[str, tuple[str, str]]:
        return parse_api_keys(self.flywheel_api_keys)


def parse_api_keys(value: str) -> dict[str, tuple[str, str]]:
    """``KEY=TENANT/APP,KEY2=TENANT/APP2`` -> {KEY: (TENANT, APP)}."""
    keys: dict[str, tuple[str, str]] = {}
    for entry in filter(None, (e.strip() for e in value.split(","))):
        key, sep, scope = entry.partition("=")
        tenant, slash, app = scope.partition("/")
        if not sep or not slash or not key.strip() or not tenant.strip() or not app.strip():
            raise ValueError(f"entry {entry!r} is not KEY=TENANT/APP")
        if key.strip() in keys:
            raise ValueError(f"key {key.strip()!r} is listed twice")
        keys[key.strip()] = (tenant.strip(), app.strip())
    return keys


def load_settings(**overrides: object) -> Settings:
    """Read the environment; on a bad value exit with a message naming each offending variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            variable = str(err["loc"][0]).upper() if err["loc"] else "?"
            lines.append(f"  {variable}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid configuration:\n" + "\n".join(lines)) from None
