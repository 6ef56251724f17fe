"""Cielo E-commerce 3.0 sandbox (``shared/reference/gateways.md``).

Its behaviour (the card number's last digit decides the result) arrives with
the card vault issue; today it is the common skeleton.
"""
from __future__ import annotations

from sandbox.simulators.base import Simulator


class CieloSimulator(Simulator):
    name = "cielo"
    # Cielo splits transactions (apisandbox) and queries (apiquerysandbox); one server answers both.
    env_urls = ("CIELO_API_URL", "CIELO_QUERY_URL")
