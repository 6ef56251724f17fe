"""Settings read from the environment once, lazily, into a frozen object.

Nothing reads ``os.environ`` at import time: Lambda's cold start and the
Chalice test client (which swaps ``os.environ`` per request) both rely on it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import ConfigurationError

ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"
ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_STAGE = "STAGE"
ENV_TIMEZONE = "PROVIDER_TIMEZONE"
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_PASSWORD_HASH_PROFILE = "PASSWORD_HASH_PROFILE"

GATEWAY_URL_VARIABLES = ("CIELO_API_URL", "CIELO_QUERY_URL", "GETNET_API_URL")
ENV_GATEWAY_READ_TIMEOUT = "GATEWAY_READ_TIMEOUT_SECONDS"
# How long after a card attempt a gateway's "no such sale" is believed (billing.charges.ChargeTiming).
ENV_GATEWAY_NOT_FOUND_AFTER = "GATEWAY_NOT_FOUND_AFTER_MINUTES"
DEFAULT_NOT_FOUND_AFTER_MINUTES = 30
# ZapMe's API base URL when the configured integration names none (the local stack: its simulator).
ENV_ZAPME_URL = "ZAPME_API_URL"
# The OAuth client the web console logs in with. A browser keeps no secret, so this client's secret is
# public by nature: the console gets a client of its own, revocable alone. Unset: the login form asks.
ENV_CONSOLE_CLIENT_ID = "CONSOLE_OAUTH_CLIENT_ID"
ENV_CONSOLE_CLIENT_SECRET = "CONSOLE_OAUTH_CLIENT_SECRET"

DEFAULT_TIMEZONE = "America/Sao_Paulo"

# Physical names of every table and queue start with this. Stages live in
# separate AWS accounts (AWS's multi-account guidance), so names need no stage
# suffix, and the SQS decorators in app.py can name their queues as constants.
RESOURCE_PREFIX = "isp"
# The KMS key whose data keys seal card tokens and gateway credentials (infra.definition.KEYS).
CARDS_KEY = "cards"


def key_alias(logical_name: str) -> str:
    return f"alias/{RESOURCE_PREFIX}-{logical_name}"


@dataclass(frozen=True)
class Settings:
    region: str
    stage: str
    timezone: str
    log_level: str
    endpoint_url: str | None = None
    # "standard" in every deployed stage; "fast" only for tests, where
    # hundreds of logins would otherwise dominate the run time.
    password_hash_profile: str = "standard"
    # Card gateway base URLs that replace the public ones (billing.gateways.factory.URL_VARIABLES).
    gateway_urls: tuple[tuple[str, str], ...] = ()
    # How long a card gateway may take to answer; past it the outcome is unknown and reconciled.
    gateway_read_timeout: float = 20.0
    gateway_not_found_after_minutes: int = DEFAULT_NOT_FOUND_AFTER_MINUTES
    zapme_url: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ``, failing fast on what is missing or wrong."""
    env = os.environ if environ is None else environ
    region = env.get(ENV_REGION) or env.get(ENV_DEFAULT_REGION)
    if not region:
        raise ConfigurationError(f"{ENV_REGION} (ou {ENV_DEFAULT_REGION}) não está definida")
    timezone = env.get(ENV_TIMEZONE) or DEFAULT_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"{ENV_TIMEZONE} inválido: {timezone!r}") from exc
    raw_timeout = env.get(ENV_GATEWAY_READ_TIMEOUT) or "20"
    try:
        read_timeout = float(raw_timeout)
    except ValueError:
        read_timeout = 0.0
    if not 0 < read_timeout <= 120:
        raise ConfigurationError(f"{ENV_GATEWAY_READ_TIMEOUT} inválido: {raw_timeout!r} (segundos, até 120)")
    raw_not_found = env.get(ENV_GATEWAY_NOT_FOUND_AFTER) or str(DEFAULT_NOT_FOUND_AFTER_MINUTES)
    not_found_after = int(raw_not_found) if raw_not_found.isascii() and raw_not_found.isdigit() else 0
    if not 1 <= not_found_after <= 24 * 60:
        raise ConfigurationError(f"{ENV_GATEWAY_NOT_FOUND_AFTER} inválido: {raw_not_found!r} (minutos, de 1 a 1440)")
    profile = env.get(ENV_PASSWORD_HASH_PROFILE) or "standard"
    if profile not in ("standard", "fast"):
        raise ConfigurationError(f"{ENV_PASSWORD_HASH_PROFILE} inválido: {profile!r}")
    return Settings(
        region=region,
        stage=env.get(ENV_STAGE) or "dev",
        timezone=timezone,
        log_level=(env.get(ENV_LOG_LEVEL) or "INFO").upper(),
        endpoint_url=env.get(ENV_ENDPOINT_URL) or None,
        password_hash_profile=profile,
        gateway_urls=tuple((name, env[name]) for name in GATEWAY_URL_VARIABLES if env.get(name)),
        gateway_read_timeout=read_timeout,
        gateway_not_found_after_minutes=not_found_after,
        zapme_url=env.get(ENV_ZAPME_URL) or "",
    )


def console_client(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The web console's OAuth client id and secret; empty strings when not configured (both optional)."""
    env = os.environ if environ is None else environ
    return env.get(ENV_CONSOLE_CLIENT_ID) or "", env.get(ENV_CONSOLE_CLIENT_SECRET) or ""
