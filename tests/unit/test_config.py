"""Settings read from the environment: defaults, overrides and refusals."""
from __future__ import annotations

import pytest

from chalicelib.config import load_settings
from chalicelib.errors import ConfigurationError

BASE = {"AWS_REGION": "sa-east-1"}


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert (settings.region, settings.stage, settings.timezone, settings.log_level) == (
        "sa-east-1", "dev", "America/Sao_Paulo", "INFO")
    assert (settings.endpoint_url, settings.gateway_urls, settings.gateway_read_timeout) == (None, (), 20.0)


def test_gateway_overrides() -> None:
    settings = load_settings({**BASE, "CIELO_API_URL": "http://127.0.0.1:9001", "GETNET_API_URL": "",
                              "GATEWAY_READ_TIMEOUT_SECONDS": "7.5"})
    assert settings.gateway_urls == (("CIELO_API_URL", "http://127.0.0.1:9001"),)
    assert settings.gateway_read_timeout == 7.5


@pytest.mark.parametrize("environ, fragment", [
    ({}, "AWS_REGION"),
    ({**BASE, "PROVIDER_TIMEZONE": "Brasil/Lua"}, "PROVIDER_TIMEZONE"),
    ({**BASE, "PASSWORD_HASH_PROFILE": "rapido"}, "PASSWORD_HASH_PROFILE"),
    ({**BASE, "GATEWAY_READ_TIMEOUT_SECONDS": "0"}, "GATEWAY_READ_TIMEOUT_SECONDS"),
    ({**BASE, "GATEWAY_READ_TIMEOUT_SECONDS": "vinte"}, "GATEWAY_READ_TIMEOUT_SECONDS"),
    ({**BASE, "GATEWAY_READ_TIMEOUT_SECONDS": "600"}, "GATEWAY_READ_TIMEOUT_SECONDS"),
])
def test_bad_settings_fail_fast_naming_the_variable(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        load_settings(environ)
