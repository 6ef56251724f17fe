"""The order ids card gateways see: ``<installation prefix>F<invoice>T<attempt>``.

A gateway keeps every order of a merchant account, and reconciliation looks
a lost answer up by order id. Invoice and attempt numbers come from this
installation's counters, which start again in another stage, a test
installation or a re-created table under the same merchant account, so
each installation starts its order ids with a random prefix of its own,
drawn once and stored (the first writer wins; nothing configures it, so it
cannot be copied by accident). At ``PREFIX_LENGTH`` characters of
``ALPHABET`` two installations share one with a chance of about 1 in 3.6e15.
"""
from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from typing import Protocol

PREFIX_LENGTH = 10
ALPHABET = string.ascii_uppercase + string.digits  # Cielo takes letters and digits only; GetNet up to 36


def random_prefix() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PREFIX_LENGTH))


class PrefixStore(Protocol):
    def order_prefix(self, proposed: str) -> str:
        """The stored prefix; ``proposed`` becomes it when there is none yet."""


class OrderIds:
    """Order ids of this installation; the prefix is read once per container."""

    def __init__(self, store: PrefixStore, new_prefix: Callable[[], str] = random_prefix) -> None:
        self._store = store
        self._new_prefix = new_prefix
        self._prefix: str | None = None
        self._lock = threading.Lock()

    def prefix(self) -> str:
        with self._lock:
            if self._prefix is None:
                self._prefix = self._store.order_prefix(self._new_prefix())
            return self._prefix

    def __call__(self, invoice_id: int, attempt: int) -> str:
        return f"{self.prefix()}F{invoice_id}T{attempt}"
