"""The notifications consumer's business metrics, over in-memory stand-ins: each
call to ZapMe counts once, as sent or as failed (temporary and permanent
failures alike), and a message that is not sent counts nothing."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.customers.model import Customer
from chalicelib.errors import NotFoundError
from chalicelib.notify.service import (
    FAILED,
    REFUSED,
    RETRYING,
    SENT,
    SKIPPED,
    NotificationSettings,
    Notifier,
    OutgoingMessage,
    RetryLater,
    Template,
    ZapMeConfig,
)
from chalicelib.notify.zapme import Delivery, SendResult
from chalicelib.ports import MESSAGES_FAILED, MESSAGES_SENT
from chalicelib.queues import MAX_RECEIVE_COUNT, Message
from chalicelib.sealing import Sealed
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics

ZONE = ZoneInfo("America/Sao_Paulo")


class Store:
    """Just what the consumer reads and writes, with the claim's and update's conditions."""

    def __init__(self, at: datetime) -> None:
        self.messages: dict[str, OutgoingMessage] = {}
        self.config: ZapMeConfig | None = ZapMeConfig(True, "api", Sealed("s", "", ""), "https://api.zapme.com.br", at)
        self.opted: set[int] = set()

    def message(self, event_id: str) -> OutgoingMessage | None:
        return self.messages.get(event_id)

    def claim(self, message: OutgoingMessage, now: datetime) -> bool:
        current = self.messages.get(message.event_id)
        if current is not None and current.version != message.version - 1:
            return False
        self.messages[message.event_id] = message
        return True

    def update(self, message: OutgoingMessage, expected_version: int) -> bool:
        if self.messages[message.event_id].version != expected_version:
            return False
        self.messages[message.event_id] = message
        return True

    def of_customer(self, customer_id: int, first: datetime, last: datetime) -> Iterator[OutgoingMessage]:
        return iter(())

    def between(self, first: datetime, last: datetime) -> Iterator[OutgoingMessage]:
        return iter(())

    def templates(self) -> dict[str, Template]:
        return {}

    def save_template(self, template: Template) -> None:
        return None

    def zapme(self) -> ZapMeConfig | None:
        return self.config

    def save_zapme(self, config: ZapMeConfig) -> None:
        self.config = config

    def opted_out(self, customer_id: int) -> bool:
        return customer_id in self.opted

    def set_opted_out(self, customer_id: int, opted_out: bool) -> None:
        (self.opted.add if opted_out else self.opted.discard)(customer_id)


class People:
    phones = {1: "11987654321", 2: "1932321234"}  # 2: a landline, no WhatsApp

    def get(self, customer_id: int) -> Customer:
        if customer_id not in self.phones:
            raise NotFoundError(f"cliente {customer_id}")
        return Customer(customer_id, customer_id, "Maria", "52998224725", self.phones[customer_id], "",
                        datetime(2026, 1, 1, tzinfo=UTC))


class Sealer:
    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, "", "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        return sealed.ciphertext


class ZapMe:
    """Answers each send from a script; ``sent`` is what it was asked to send."""

    def __init__(self) -> None:
        self.answers: list[SendResult] = []
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> SendResult:
        self.sent.append((phone, text))
        return self.answers.pop(0)


@pytest.fixture
def metrics() -> CountingMetrics:
    return CountingMetrics()


@pytest.fixture
def zapme() -> ZapMe:
    return ZapMe()


@pytest.fixture
def notifier(clock: MutableClock, metrics: CountingMetrics, zapme: ZapMe) -> Notifier:
    store = Store(clock())
    settings = NotificationSettings(store, People(), Sealer(), clock)
    return Notifier(store, settings, People(), Sealer(), lambda url, api, secret: zapme, clock, ZONE,
                    metrics=metrics)


def approved(customer_id: int = 1, event_id: str = "evento-1", receive_count: int = 1) -> Message:
    return Message("pagamento_aprovado", event_id, {
        "id_cliente": customer_id, "id_fatura": 7, "valor_centavos": 9990, "data_vencimento": "2026-12-10",
        "cartao": "Visa •••• 1234"}, receive_count)


SENT_OK = SendResult(Delivery.SENT, "", "z1", "message_sent")
DOWN = SendResult(Delivery.TEMPORARY, "ZapMe fora do ar (503)", http_status=503)
INVALID = SendResult(Delivery.PERMANENT, "Número sem WhatsApp", status="missing_number", http_status=200)


@pytest.mark.parametrize("answer, receive_count, status, metric", [
    (SENT_OK, 1, SENT, MESSAGES_SENT),
    (INVALID, 1, REFUSED, MESSAGES_FAILED),
    (DOWN, 1, RETRYING, MESSAGES_FAILED),
    (DOWN, MAX_RECEIVE_COUNT, FAILED, MESSAGES_FAILED),
])
def test_each_zapme_answer_counts_its_metric_once(notifier: Notifier, zapme: ZapMe, metrics: CountingMetrics,
                                                  answer: SendResult, receive_count: int, status: str,
                                                  metric: str) -> None:
    zapme.answers.append(answer)
    try:
        outcome = notifier.handle(approved(receive_count=receive_count))
    except RetryLater:
        outcome = notifier._store.message("evento-1").status  # type: ignore[union-attr]
    assert outcome == status and len(zapme.sent) == 1
    assert metrics.counts == {metric: 1}


def test_a_temporary_failure_then_a_success_counts_one_of_each(notifier: Notifier, zapme: ZapMe,
                                                               metrics: CountingMetrics,
                                                               clock: MutableClock) -> None:
    zapme.answers += [DOWN, SENT_OK]
    with pytest.raises(RetryLater):
        notifier.handle(approved())
    clock.advance(minutes=2)
    assert notifier.handle(approved(receive_count=2)) == SENT
    assert notifier.handle(approved(receive_count=3)) == SENT  # a duplicate delivery sends nothing more
    assert metrics.counts == {MESSAGES_FAILED: 1, MESSAGES_SENT: 1} and len(zapme.sent) == 2


@pytest.mark.parametrize("customer_id", [2, 99], ids=["sem-celular", "cliente-inexistente"])
def test_a_message_not_sent_counts_nothing(notifier: Notifier, zapme: ZapMe, metrics: CountingMetrics,
                                           customer_id: int) -> None:
    assert notifier.handle(replace(approved(customer_id), id=f"evento-{customer_id}")) == SKIPPED
    assert zapme.sent == [] and metrics.counts == {}
