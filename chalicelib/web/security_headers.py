"""The headers every HTTP answer carries: the API's, the console's, and those API Gateway (or the
local gateway, ``sandbox/gateway.py``) makes itself without calling the function.

One set for all of them. ``infra.definition`` writes it into the gateway responses of the cloud
template as static values, which API Gateway quotes with ``'``: no value may contain one (a test
checks), which is why the API's answers carry no Content-Security-Policy of their own (the
console's page sends its own, ``chalicelib/web/console.py``).
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Two years, the preload list's recommendation; browsers ignore it over plain HTTP (the local stack).
HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 3600

SECURITY_HEADERS: Mapping[str, str] = MappingProxyType({
    # A JSON answer is never sniffed into HTML or script.
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains",
    # Tokens travel in headers, but paths carry ids (customers, cards): no page learns them.
    "Referrer-Policy": "no-referrer",
    # No answer, the console's page included, may be framed (clickjacking).
    "X-Frame-Options": "DENY",
})


def with_security_headers(headers: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
    """``headers`` plus the set; an answer's own value of one of them (none today) wins."""
    return {**SECURITY_HEADERS, **headers}
