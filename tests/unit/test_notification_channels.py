"""The notification service through the channel port: a second channel (e-mail, in memory) registered after
WhatsApp takes an event's message when WhatsApp cannot, and the message is recorded channel-neutrally; its
secret is sealed under its own context and goes only to its allow-listed host. The operator's calls (the
account's status, a test message) go through the same port and are recorded nowhere; a template's preview is
refused as saving it would be."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.customers.model import Customer
from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.notify.channels import WHATSAPP, Account, AccountStatus, Channels, Delivery, SendResult
from chalicelib.notify.service import (
    RETRYING,
    SENT,
    SKIPPED,
    NotificationSettings,
    Notifier,
    RetryLater,
    Try,
)
from chalicelib.notify.whatsapp import ZapMeWhatsApp
from chalicelib.queues import Message
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics, EmailChannel, InMemoryNotificationStore, PlainSealer

ZONE = ZoneInfo("America/Sao_Paulo")
EMAIL = "email"


class People:
    """1: mobile and e-mail; 2: a landline and an e-mail; 3: a mobile, no e-mail."""

    contacts = {1: ("11987654321", "maria@example.com"), 2: ("1932321234", "jose@example.com"),
                3: ("11987650000", "")}

    def get(self, customer_id: int) -> Customer:
        if customer_id not in self.contacts:
            raise NotFoundError(f"cliente {customer_id}")
        phone, email = self.contacts[customer_id]
        return Customer(customer_id, customer_id, "MARIA SILVA", "52998224725", phone, email,
                        datetime(2026, 1, 1, tzinfo=UTC))


class ZapMe:
    """ZapMe's client, scripted: every send is taken; the account is active, its phone connected."""

    ACCOUNT = AccountStatus(True, "Conta ZapMe ativa; WhatsApp conectado.", service_status="active", plan="Pro",
                            due_date="2027-01-10", device_connected=True, authenticated_at="2026-12-01 08:00:00")

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> SendResult:
        self.sent.append((phone, text))
        return SendResult(Delivery.SENT, "Mensagem enviada.", f"zapme-{len(self.sent)}", "message_sent")

    def account(self) -> AccountStatus:
        return self.ACCOUNT


class Notifications:
    """The service with WhatsApp (ZapMe scripted) and the in-memory e-mail channel registered, in that order."""

    def __init__(self, clock: MutableClock) -> None:
        self.clock = clock
        self.store = InMemoryNotificationStore(ZONE)
        self.zapme = ZapMe()
        self.email = EmailChannel()
        self.metrics = CountingMetrics()
        channels = Channels(ZapMeWhatsApp(clients=lambda url, api, secret: self.zapme), self.email)
        self.settings = NotificationSettings(self.store, People(), PlainSealer(), clock, channels)
        self.notifier = Notifier(self.store, self.settings, People(), PlainSealer(), clock, ZONE,
                                 metrics=self.metrics)

    def configure(self, channel: str, active: bool = True) -> None:
        self.settings.configure(channel, active, f"api-{channel}", f"segredo-{channel}", None, "ana")


@pytest.fixture
def notifications(clock: MutableClock) -> Notifications:
    both = Notifications(clock)
    both.configure(WHATSAPP)
    both.configure(EMAIL)
    return both


def approved(customer_id: int = 1, event_id: str = "evento-1", receive_count: int = 1) -> Message:
    return Message("pagamento_aprovado", event_id, {
        "id_cliente": customer_id, "id_fatura": 7, "valor_centavos": 9990, "data_vencimento": "2026-12-10",
        "cartao": "Visa •••• 1234"}, receive_count)


TEXT = ("Olá, Maria! Recebemos o pagamento de R$ 99,90 da fatura com vencimento em 10/12/2026 no cartão "
        "Visa •••• 1234. Obrigado!")


def test_an_event_goes_through_the_second_channel_and_is_recorded_channel_neutrally(
        notifications: Notifications, clock: MutableClock) -> None:
    notifications.settings.set_wants(1, WHATSAPP, False)

    assert notifications.notifier.handle(approved()) == SENT

    account = Account("https://api.correio.example", "api-email", "segredo-email")
    assert notifications.email.sent == [(account, "maria@example.com", TEXT)] and notifications.zapme.sent == []
    [message] = notifications.settings.log(1, datetime(2026, 12, 1), datetime(2026, 12, 31, 23, 59, 59))
    assert (message.channel, message.address, message.text, message.status, message.reason) == (
        EMAIL, "maria@example.com", TEXT, SENT, "")
    assert (message.provider_message_id, dict(message.answer)) == ("correio-1", {"id": "correio-1"})
    assert message.tries == (Try(clock(), "enviada", "E-mail aceito."),)
    assert notifications.notifier.handle(approved(receive_count=2)) == SENT  # sent once
    assert len(notifications.email.sent) == 1


@pytest.mark.parametrize("customer_id, whatsapp_on, wants_whatsapp, channel", [
    (1, True, True, WHATSAPP),  # the registry's order is the preference
    (1, False, True, EMAIL),  # WhatsApp not active
    (1, True, False, EMAIL),  # opted out of WhatsApp
    (2, True, True, EMAIL),  # a landline: no WhatsApp
    (3, False, True, None),  # nothing active reaches a customer without e-mail
])
def test_the_first_channel_that_can_take_the_message_sends_it(
        notifications: Notifications, customer_id: int, whatsapp_on: bool, wants_whatsapp: bool,
        channel: str | None) -> None:
    notifications.configure(WHATSAPP, active=whatsapp_on)
    notifications.settings.set_wants(customer_id, WHATSAPP, wants_whatsapp)

    status = notifications.notifier.handle(approved(customer_id))

    message = notifications.store.message("evento-1")
    assert message is not None and message.channel == (channel or "")
    assert status == (SENT if channel else SKIPPED)
    assert len(notifications.zapme.sent) == (channel == WHATSAPP) and len(notifications.email.sent) == (
        channel == EMAIL)


def test_when_no_channel_can_take_it_the_message_is_skipped_with_each_channels_reason(
        notifications: Notifications) -> None:
    notifications.settings.set_wants(3, WHATSAPP, False)
    assert notifications.notifier.handle(approved(3)) == SKIPPED
    message = notifications.store.message("evento-1")
    assert message is not None and message.reason == (
        "O cliente optou por não receber mensagens de WhatsApp. O cliente não tem e-mail.")

    nothing_on = Notifications(notifications.clock)
    assert nothing_on.notifier.handle(approved()) == SKIPPED
    skipped = nothing_on.store.message("evento-1")
    assert skipped is not None and skipped.reason == (
        "A integração com a ZapMe não está configurada ou ativa. "
        "A integração com a Correio não está configurada ou ativa.")
    unknown = nothing_on.notifier.handle(Message("evento_inventado", "evento-2", {"id_cliente": 1}))
    assert unknown == SKIPPED and nothing_on.store.messages["evento-2"].reason == (
        "O evento evento_inventado não tem mensagem de WhatsApp ou e-mail.")
    assert notifications.metrics.counts == {} == nothing_on.metrics.counts


def test_opt_outs_are_per_channel(notifications: Notifications) -> None:
    notifications.settings.set_wants(1, EMAIL, False)
    assert (notifications.settings.wants(1, EMAIL), notifications.settings.wants(1, WHATSAPP)) == (False, True)
    with pytest.raises(NotFoundError):
        notifications.settings.wants(99, EMAIL)
    with pytest.raises(KeyError, match="sms"):
        notifications.settings.set_wants(1, "sms", False)


def test_a_temporary_failure_of_the_second_channel_is_retried_on_it(
        notifications: Notifications, clock: MutableClock) -> None:
    notifications.settings.set_wants(1, WHATSAPP, False)
    notifications.email.answers.append(SendResult(Delivery.TEMPORARY, "Correio fora do ar (503).", http_status=503))

    with pytest.raises(RetryLater, match="Correio indisponível para o evento evento-1"):
        notifications.notifier.handle(approved())
    retrying = notifications.store.message("evento-1")
    assert retrying is not None and (retrying.status, retrying.channel) == (RETRYING, EMAIL)

    clock.advance(minutes=2)
    assert notifications.notifier.handle(approved(receive_count=2)) == SENT
    assert len(notifications.email.sent) == 2 and notifications.zapme.sent == []


def test_the_second_channels_secret_goes_only_to_its_allow_listed_host(notifications: Notifications) -> None:
    with pytest.raises(ValidationError) as off_the_list:
        notifications.settings.configure(EMAIL, True, "api", "segredo", "https://api.correio.example.evil", "ana")
    assert "não está entre os permitidos" in off_the_list.value.errors[0]
    with pytest.raises(ValidationError) as without_secret:
        notifications.settings.configure(EMAIL, True, "api", None, "https://api.correio.example/v2", "ana")
    assert without_secret.value.errors[0].startswith("Para alterar a url da Correio, envie também o secret")

    # Stored before its allow-list shrank: refused at send time, the secret not even opened.
    stored = notifications.settings.config(EMAIL)
    assert stored is not None
    notifications.store.save_channel_config(EMAIL, replace(stored, url="https://outro.example"))
    notifications.settings.set_wants(1, WHATSAPP, False)

    assert notifications.notifier.handle(approved()) == "falha_permanente"
    message = notifications.store.message("evento-1")
    assert message is not None and message.reason.startswith(
        "Envio bloqueado: o endereço configurado da API da Correio não é permitido")
    assert notifications.email.sent == []


# --------------------------------------------------------- the operator's calls: status, test message, preview
EMAIL_ACCOUNT = Account("https://api.correio.example", "api-email", "segredo-email")


def test_the_account_status_is_asked_of_the_provider_now(notifications: Notifications) -> None:
    assert notifications.settings.account_status(WHATSAPP) == ZapMe.ACCOUNT
    assert notifications.settings.account_status(EMAIL) == notifications.email.status
    assert notifications.email.asked == [EMAIL_ACCOUNT]

    notifications.email.status = AccountStatus(False, "O Correio recusou as credenciais.", http_status=401)
    with pytest.raises(BusinessRuleError, match="^O Correio recusou as credenciais.$"):
        notifications.settings.account_status(EMAIL)


def test_a_test_message_goes_through_the_channel_now_and_is_recorded_nowhere(notifications: Notifications) -> None:
    sent = notifications.settings.send_test(EMAIL, "ana@example.com", None, "ana")
    written = notifications.settings.send_test(WHATSAPP, "5511987654321", "Olá, teste", "ana")

    assert notifications.email.sent == [(EMAIL_ACCOUNT, "ana@example.com", (
        "Mensagem de teste da integração com a Correio: se você a recebeu, o envio por e-mail está funcionando."))]
    assert notifications.zapme.sent == [("5511987654321", "Olá, teste")]
    assert (sent.accepted, sent.message_id, written.message_id) == (True, "correio-1", "zapme-1")
    assert notifications.store.messages == {} and notifications.metrics.total() == {}

    notifications.email.answers.append(SendResult(Delivery.PERMANENT, "Endereço inexistente."))
    refused = notifications.settings.send_test(EMAIL, "ninguem@example.com", "Oi", "ana")
    assert (refused.accepted, refused.reason) == (False, "Endereço inexistente.")
    assert notifications.store.messages == {}


@pytest.mark.parametrize("call", ["account_status", "send_test"])
def test_the_operators_calls_are_refused_until_the_channel_is_configured_active_and_allowed(
        clock: MutableClock, call: str) -> None:
    notifications = Notifications(clock)

    def refusal() -> str:
        with pytest.raises(BusinessRuleError) as refused:
            if call == "account_status":
                notifications.settings.account_status(EMAIL)
            else:
                notifications.settings.send_test(EMAIL, "ana@example.com", "Oi", "ana")
        return refused.value.message

    assert refusal() == "A integração com a Correio não está configurada: salve a api e o secret da Correio primeiro."
    notifications.configure(EMAIL, active=False)
    assert refusal() == ("A integração com a Correio está desativada: ative-a para consultar a conta ou enviar um "
                         "teste.")
    stored = notifications.settings.config(EMAIL)
    assert stored is not None
    notifications.store.save_channel_config(EMAIL, replace(stored, active=True, url="https://outro.example"))
    assert refusal().startswith("O endereço configurado da API da Correio não é permitido (")
    assert notifications.email.sent == [] and notifications.email.asked == []


def test_a_preview_renders_the_examples_and_is_refused_as_saving_would_be(notifications: Notifications) -> None:
    settings = notifications.settings
    assert settings.preview("pagamento_aprovado", None).text == TEXT  # the default text
    settings.save_template("pagamento_aprovado", True, "{{nome}}: fatura {{numero_fatura}}")
    current = settings.preview("pagamento_aprovado", None)
    assert (current.event, current.text) == ("pagamento_aprovado", "MARIA DA SILVA: fatura 7310")
    assert dict(current.examples) == {
        "nome": "MARIA DA SILVA", "primeiro_nome": "Maria", "numero_fatura": "7310", "valor": "R$ 99,90",
        "data_vencimento": "10/12/2026", "cartao": "Visa •••• 1234"}
    assert settings.preview("pagamento_aprovado", "Oi {{primeiro_nome}}").text == "Oi Maria"

    stored = dict(notifications.store.stored_templates)
    for event, text in [("pagamento_aprovado", "  "), ("pagamento_aprovado", "{{motivo}}"),
                        ("pagamento_aprovado", "{{nome"), ("evento_inventado", "Oi")]:
        with pytest.raises(ValidationError) as previewed:
            settings.preview(event, text)
        with pytest.raises(ValidationError) as saved:
            settings.save_template(event, True, text)
        assert previewed.value.errors == saved.value.errors and previewed.value.errors
    assert notifications.store.stored_templates == stored
