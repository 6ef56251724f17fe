"""The notifications consumer's business metrics, over in-memory stand-ins: each
call to ZapMe counts once, as sent or as failed (temporary and permanent
failures alike), and a message that is not sent counts nothing."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.customers.model import Customer
from chalicelib.errors import NotFoundError
from chalicelib.notify.channels import WHATSAPP, ChannelConfig, Channels
from chalicelib.notify.service import (
    FAILED,
    REFUSED,
    RETRYING,
    SENT,
    SKIPPED,
    NotificationSettings,
    Notifier,
    RetryLater,
)
from chalicelib.notify.whatsapp import SECRET_CONTEXT, ZapMeWhatsApp
from chalicelib.notify.zapme import Delivery, SendResult
from chalicelib.ports import MESSAGES_FAILED, MESSAGES_SENT
from chalicelib.queues import MAX_RECEIVE_COUNT, Message
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics, InMemoryNotificationStore, PlainSealer

ZONE = ZoneInfo("America/Sao_Paulo")


class People:
    phones = {1: "11987654321", 2: "1932321234"}  # 2: a landline, no WhatsApp

    def get(self, customer_id: int) -> Customer:
        if customer_id not in self.phones:
            raise NotFoundError(f"cliente {customer_id}")
        return Customer(customer_id, customer_id, "Maria", "52998224725", self.phones[customer_id], "",
                        datetime(2026, 1, 1, tzinfo=UTC))


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
    store, sealer = InMemoryNotificationStore(ZONE), PlainSealer()
    store.save_channel_config(WHATSAPP, ChannelConfig(True, "api", sealer.seal("s", SECRET_CONTEXT),
                                                      "https://api.zapme.com.br", clock()))
    channels = Channels(ZapMeWhatsApp(clients=lambda url, api, secret: zapme))
    settings = NotificationSettings(store, People(), sealer, clock, channels)
    return Notifier(store, settings, People(), sealer, clock, ZONE, metrics=metrics)


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
