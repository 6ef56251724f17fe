"""Ports shared by several contexts: id sequences and queue publishing."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class Sequences(Protocol):
    """Monotonic integer ids (HubSoft ids are integers), one counter per name."""

    def next_id(self, name: str) -> int: ...


class QueuePublisher(Protocol):
    """Sends messages to a named queue (``charges``, ``notifications``)."""

    def publish(self, queue: str, messages: Sequence[Mapping[str, Any]]) -> None: ...
