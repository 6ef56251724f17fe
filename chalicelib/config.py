"""Settings read from the environment once, lazily, into a frozen object.

Nothing reads ``os.environ`` at import time: Lambda's cold start and the
Chalice test client (which swaps ``os.environ`` per request) both rely on it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.allowed_hosts import AllowedHosts, UrlRefused
from chalicelib.auth.model import ACCESS_TOKEN_SECONDS
from chalicelib.billing.gateways.registry import registry as gateway_registry
from chalicelib.errors import ConfigurationError

ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"
ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_STAGE = "STAGE"
ENV_TIMEZONE = "PROVIDER_TIMEZONE"
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_PASSWORD_HASH_PROFILE = "PASSWORD_HASH_PROFILE"
# How long an access token lives (auth.model.ACCESS_TOKEN_SECONDS when unset).
ENV_ACCESS_TOKEN_MINUTES = "ACCESS_TOKEN_MINUTES"
MAX_ACCESS_TOKEN_MINUTES = 24 * 60

ENV_GATEWAY_READ_TIMEOUT = "GATEWAY_READ_TIMEOUT_SECONDS"
# How long after a card attempt a gateway's "no such sale" is believed (billing.charging.charges.ChargeTiming).
ENV_GATEWAY_NOT_FOUND_AFTER = "GATEWAY_NOT_FOUND_AFTER_MINUTES"
DEFAULT_NOT_FOUND_AFTER_MINUTES = 30
# The WhatsApp channel's provider, ZapMe (chalicelib.notify.whatsapp); a channel's settings follow these two.
# ZapMe's API base URL when the configured integration names none (the local stack: its simulator).
ENV_ZAPME_URL = "ZAPME_API_URL"
# Where the ZapMe secret may be sent (chalicelib.allowed_hosts): comma-separated ``host``, ``host:port`` or
# ``scheme://host[:port]`` entries, https unless an entry says otherwise (http only for loopback hosts: the
# local stack adds its simulator). Both the API's ``url`` and ZAPME_API_URL must be on it.
ENV_ZAPME_ALLOWED_HOSTS = "ZAPME_ALLOWED_HOSTS"
DEFAULT_ZAPME_ALLOWED_HOSTS = "https://api.zapme.com.br"
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


def resource_name(logical_name: str) -> str:
    """The physical name of a table, queue or key."""
    return f"{RESOURCE_PREFIX}-{logical_name}"


def key_alias(logical_name: str) -> str:
    return "alias/" + resource_name(logical_name)


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
    # Card gateway base URLs that replace the public ones (each gateway's url_variables, billing.gateways.registry).
    gateway_urls: tuple[tuple[str, str], ...] = ()
    # How long a card gateway may take to answer; past it the outcome is unknown and reconciled.
    gateway_read_timeout: float = 20.0
    gateway_not_found_after_minutes: int = DEFAULT_NOT_FOUND_AFTER_MINUTES
    zapme_url: str = ""  # canonical (chalicelib.allowed_hosts), on zapme_allowed_hosts
    zapme_allowed_hosts: tuple[str, ...] = (DEFAULT_ZAPME_ALLOWED_HOSTS,)
    access_token_seconds: int = ACCESS_TOKEN_SECONDS

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zapme_hosts(self) -> AllowedHosts:
        return AllowedHosts.parse(self.zapme_allowed_hosts, ENV_ZAPME_ALLOWED_HOSTS)


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
    raw_minutes = env.get(ENV_ACCESS_TOKEN_MINUTES) or str(ACCESS_TOKEN_SECONDS // 60)
    minutes = int(raw_minutes) if raw_minutes.isascii() and raw_minutes.isdigit() else 0
    if not 1 <= minutes <= MAX_ACCESS_TOKEN_MINUTES:
        raise ConfigurationError(
            f"{ENV_ACCESS_TOKEN_MINUTES} inválido: {raw_minutes!r} (minutos, de 1 a {MAX_ACCESS_TOKEN_MINUTES})")
    zapme_hosts, zapme_url = _zapme(env)
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
        gateway_urls=tuple((name, env[name]) for name in gateway_registry.url_variables() if env.get(name)),
        gateway_read_timeout=read_timeout,
        gateway_not_found_after_minutes=not_found_after,
        zapme_url=zapme_url,
        zapme_allowed_hosts=zapme_hosts.entries(),
        access_token_seconds=minutes * 60,
    )


def _zapme(env: Mapping[str, str]) -> tuple[AllowedHosts, str]:
    """The ZapMe allow-list, and the default address checked against it (it would be refused at send time)."""
    raw = env.get(ENV_ZAPME_ALLOWED_HOSTS) or DEFAULT_ZAPME_ALLOWED_HOSTS
    try:
        hosts = AllowedHosts.parse(raw, ENV_ZAPME_ALLOWED_HOSTS)
    except ValueError as exc:
        raise ConfigurationError(f"{ENV_ZAPME_ALLOWED_HOSTS} inválido: {exc}") from None
    url = env.get(ENV_ZAPME_URL) or ""
    if url:
        try:
            url = hosts.check(url)
        except UrlRefused as refused:
            raise ConfigurationError(f"{ENV_ZAPME_URL} inválido: {refused}") from None
    return hosts, url


def console_client(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The web console's OAuth client id and secret; empty strings when not configured (both optional)."""
    env = os.environ if environ is None else environ
    return env.get(ENV_CONSOLE_CLIENT_ID) or "", env.get(ENV_CONSOLE_CLIENT_SECRET) or ""
