"""Ports shared by several contexts: id sequences, queue publishing and business metrics."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.queues import Message


class Sequences(Protocol):
    """Monotonic integer ids (HubSoft ids are integers), one counter per name."""

    def next_id(self, name: str) -> int: ...


class QueuePublisher(Protocol):
    """Sends messages to a named queue (``charges``, ``notifications``)."""

    def publish(self, queue: str, messages: Sequence[Message]) -> None: ...


# What the business counts, as CloudWatch metric names (namespace ``IspBackend``, dimension
# ``service``). The alarms in infra/ watch CobrancasComErro and MensagensComFalha by these exact names.
CHARGES_APPROVED = "CobrancasAprovadas"
CHARGES_DECLINED = "CobrancasRecusadas"
CHARGES_ERRORED = "CobrancasComErro"  # a technical failure, or an outcome the gateway left unknown
MESSAGES_SENT = "MensagensEnviadas"
MESSAGES_FAILED = "MensagensComFalha"  # temporary and permanent failures alike
METRIC_NAMES = (CHARGES_APPROVED, CHARGES_DECLINED, CHARGES_ERRORED, MESSAGES_SENT, MESSAGES_FAILED)


class Metrics(Protocol):
    """Counts business events; the entry points publish what was counted once per invocation."""

    def count(self, name: str) -> None: ...


class PublishedMetrics(Metrics, Protocol):
    """What the entry points hold: counts, published (and reset) once per invocation by ``flush``."""

    def flush(self) -> None: ...
