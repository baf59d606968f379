"""Service settings read once from the environment (and a `.env` file), with no Flask."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

PROVIDERS = ("auto", "offline", "openai")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs, as Heroku-style URLs omit it."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    secret_key: str
    database_url: str
    redis_url: str | None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    provider: str = "auto"
    model: str = "gpt-4o-mini"
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    rate_limit_jobs: str = "10 per minute"
    registration_open: bool = True
    # Behind HTTPS (a TLS-terminating proxy), cookies must be Secure; on plain http://127.0.0.1 they cannot be.
    secure_cookies: bool = False
    # Milliseconds the offline provider waits per answer, so a demo (or a browser test) can watch each agent.
    offline_pace_ms: int = 0
    # Seconds one model call may take (a stall counts), and a whole job.
    call_timeout_s: int = 60
    job_deadline_s: int = 1800
    # Prices (dollars per million tokens, input and output) of models the built-in table does not know.
    model_prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Without a sandbox, run model-written checks anyway as the service's own user (README: the risk).
    unisolated_checks: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def redis_socket(self) -> Path:
        return self.instance_path / "redis" / "redis.sock"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or f"unix://{self.redis_socket}"

    @property
    def effective_provider(self) -> str:
        if self.provider == "auto":
            return "openai" if self.openai_api_key else "offline"
        return self.provider

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load_settings(environ: Mapping[str, str] | None = None, dotenv: str | Path | None = ".env") -> Settings:
    """Build settings from `environ` (default `os.environ`) over the values of a `.env` file."""
    env: dict[str, str] = {}
    if dotenv is not None and Path(dotenv).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    instance_path = Path(env.get("INSTANCE_PATH") or "instance").expanduser().resolve()
    provider = env.get("CODEGEN_PROVIDER", "auto").strip().lower() or "auto"
    if provider not in PROVIDERS:
        raise SettingsError(f"CODEGEN_PROVIDER must be one of {', '.join(PROVIDERS)}, got {provider!r}")
    if provider == "openai" and not env.get("OPENAI_API_KEY"):
        raise SettingsError("CODEGEN_PROVIDER=openai needs OPENAI_API_KEY")

    database_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{instance_path / 'codegen.db'}"
    return Settings(
        instance_path=instance_path,
        secret_key=env.get("SECRET_KEY", "").strip() or read_or_create_secret(instance_path),
        database_url=normalise_database_url(database_url),
        redis_url=env.get("REDIS_URL", "").strip() or None,
        openai_api_key=env.get("OPENAI_API_KEY", "").strip() or None,
        openai_base_url=env.get("OPENAI_BASE_URL", "").strip() or None,
        provider=provider,
        model=env.get("CODEGEN_MODEL", "").strip() or "gpt-4o-mini",
        host=env.get("HOST", "").strip() or "127.0.0.1",
        port=_int(env, "PORT", 5000, minimum=1),
        workers=_int(env, "CODEGEN_WORKERS", 2, minimum=1),
        rate_limit_jobs=env.get("RATE_LIMIT_JOBS", "").strip() or "10 per minute",
        registration_open=_bool(env, "REGISTRATION_OPEN", True),
        secure_cookies=_bool(env, "SECURE_COOKIES", False),
        offline_pace_ms=_int(env, "CODEGEN_OFFLINE_PACE_MS", 0),
        call_timeout_s=_int(env, "CODEGEN_CALL_TIMEOUT", 60, minimum=1),
        job_deadline_s=_int(env, "CODEGEN_JOB_DEADLINE", 1800, minimum=10),
        model_prices=parse_model_prices(env.get("CODEGEN_MODEL_PRICES", "")),
        unisolated_checks=_bool(env, "CODEGEN_UNISOLATED_CHECKS", False),
    )


def parse_model_prices(text: str) -> dict[str, tuple[float, float]]:
    """`model=IN/OUT` entries (dollars per million tokens) separated by commas, e.g. `llama3=0/0,mine=0.5/1.5`."""
    prices: dict[str, tuple[float, float]] = {}
    for entry in (part.strip() for part in text.replace(";", ",").split(",")):
        if not entry:
            continue
        model, _, pair = entry.rpartition("=")
        price_in, _, price_out = pair.partition("/")
        try:
            value = (float(price_in), float(price_out))
        except ValueError:
            raise SettingsError(f"CODEGEN_MODEL_PRICES entry {entry!r} is not model=IN/OUT "
                                "(dollars per million tokens)") from None
        if not model.strip() or min(value) < 0 or any(v != v for v in value):
            raise SettingsError(f"CODEGEN_MODEL_PRICES entry {entry!r} needs a model name and prices of 0 or more")
        prices[model.strip()] = value
    return prices


def read_or_create_secret(instance_path: Path) -> str:
    """Return the instance's secret key, generating it on first use (mode 0600)."""
    path = instance_path / "secret_key"
    if path.is_file():
        secret = path.read_text().strip()
        if secret:
            return secret
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    # O_EXCL: when two processes start at once, the first one's secret wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret
