"""Notifications: the channels' settings, the templates, each customer's
opt-outs, and the consumer that turns an event of the notifications queue
into one message, sent through one channel (``chalicelib.notify.channels``:
the port, how a channel is chosen, how to add one).

Each event is sent at most once: its message record is keyed by the event's
id and claimed with a conditional write before the channel's provider is
called, so a duplicate delivery (or one racing it) finds the message sent,
or in flight and retries later. A temporary failure (the provider down, 5xx,
timeout) is recorded as a try and raised, so SQS delivers the event again
with backoff; on the last delivery the message is marked ``falha`` before it
moves to the dead-letter queue (redriven from there, it is tried again). A
permanent refusal (invalid address, bad credentials) is recorded and not
retried. An event whose template is off, or whose customer no channel can
take (none active, opted out, no address the channel can use) is recorded as
``ignorada``: nothing is dropped silently.

A channel's secret goes only to an address on its allow-list
(``chalicelib.allowed_hosts``; ZapMe's is ZAPME_ALLOWED_HOSTS): a new ``url``
is checked when it is configured, and changing it needs the secret in the
same change, so a stored secret is never redirected to another host. The
address is checked again before each send (it may predate the list, or the
list may have shrunk since): one not on it is recorded as a permanent
failure and nothing is sent, the secret not even opened.

Each call to a provider counts once in the business metrics: sent, or failed
(temporary and permanent failures alike); a skipped message counts nothing.

Operators check a channel's settings with two calls made on request, through
the same channel, address check and sealed secret as the consumer, but with
no event, no queue and no record: the provider's view of the account
(``NotificationSettings.account_status``) and one test message to a number
they give (``send_test``), neither retried, logged in any customer's message
log, nor counted in the metrics (they are not notifications).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.allowed_hosts import AllowedHosts, UrlRefused
from chalicelib.clock import Clock
from chalicelib.customers.model import Customer
from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.notify import templates
from chalicelib.notify.channels import (
    Account,
    AccountStatus,
    Channel,
    ChannelConfig,
    Channels,
    Delivery,
    SendResult,
)
from chalicelib.ports import MESSAGES_FAILED, MESSAGES_SENT, Metrics
from chalicelib.queues import MAX_RECEIVE_COUNT, Message
from chalicelib.sealing import Sealer

logger = logging.getLogger(__name__)

SENDING = "enviando"
SENT = "enviada"
RETRYING = "falha_temporaria"  # tried again by the queue
FAILED = "falha"  # gave up: in the dead-letter queue (a redrive tries it again)
REFUSED = "falha_permanente"
SKIPPED = "ignorada"
STATUSES = (SENDING, SENT, RETRYING, FAILED, REFUSED, SKIPPED)
DONE = (SENT, REFUSED, SKIPPED)  # never sent again
# How long a claim keeps other deliveries away: longer than one provider call with its timeouts.
LEASE = timedelta(seconds=60)
NEEDS_SECRET = "Informe o secret da {provider}."
URL_NEEDS_SECRET = ("Para alterar a url da {provider}, envie também o secret na mesma requisição: o secret gravado "
                    "não é enviado a um endereço novo. Nada foi alterado.")
DESTINATION_REFUSED = ("Envio bloqueado: o endereço configurado da API da {provider} não é permitido ({reason}). "
                       "Configure a url da {provider} novamente, com o secret; nada foi enviado.")
NO_TEMPLATE = "O evento {event} não tem mensagem de {labels}."
NOT_CONFIGURED = "A integração com a {provider} não está configurada ou ativa."
# Refusals of the operator's calls (account status, test message): nothing was sent.
NOT_SET_UP = "A integração com a {provider} não está configurada: salve a api e o secret da {provider} primeiro."
INACTIVE = "A integração com a {provider} está desativada: ative-a para consultar a conta ou enviar um teste."
ADDRESS_REFUSED = ("O endereço configurado da API da {provider} não é permitido ({reason}): configure a url da "
                   "{provider} novamente, com o secret. Nada foi enviado.")
# The operator's test message when they write none.
TEST_TEXT = ("Mensagem de teste da integração com a {provider}: se você a recebeu, o envio por {label} está "
             "funcionando.")
OPTED_OUT = "O cliente optou por não receber mensagens de {label}."


class RetryLater(Exception):
    """The message could not go now; raising makes SQS deliver the event again."""


@dataclass(frozen=True)
class Template:
    event: str
    active: bool
    text: str
    custom: bool = False  # False: our default text


@dataclass(frozen=True)
class Preview:
    """An event's template rendered with each variable's example."""

    event: str
    text: str
    examples: Mapping[str, str]


@dataclass(frozen=True)
class Try:
    at: datetime
    outcome: str  # a Delivery value
    reason: str


@dataclass(frozen=True)
class OutgoingMessage:
    event_id: str
    event: str
    customer_id: int
    status: str
    created_at: datetime
    updated_at: datetime
    channel: str = ""  # the one it went through; "" when skipped (no channel could take it)
    address: str = ""  # where the channel reached the customer: for WhatsApp, the mobile number
    text: str = ""
    reason: str = ""  # why it was skipped or refused, or the last failure
    provider_message_id: str = ""
    answer: Mapping[str, Any] = field(default_factory=dict)  # the provider's last answer (never holds the secret)
    tries: tuple[Try, ...] = ()
    lease_until: datetime | None = None
    version: int = 1


class NotificationStore(Protocol):
    def message(self, event_id: str) -> OutgoingMessage | None: ...
    def claim(self, message: OutgoingMessage, now: datetime) -> bool: ...
    def update(self, message: OutgoingMessage, expected_version: int) -> bool: ...
    def of_customer(self, customer_id: int, first: datetime, last: datetime) -> Iterator[OutgoingMessage]: ...
    def between(self, first: datetime, last: datetime) -> Iterator[OutgoingMessage]: ...
    def templates(self) -> dict[str, Template]: ...
    def save_template(self, template: Template) -> None: ...
    def channel_config(self, channel: str) -> ChannelConfig | None: ...
    def save_channel_config(self, channel: str, config: ChannelConfig) -> None: ...
    def opted_out(self, customer_id: int, channel: str) -> bool: ...
    def set_opted_out(self, customer_id: int, channel: str, opted_out: bool) -> None: ...


class CustomerLookup(Protocol):
    def get(self, customer_id: int) -> Customer: ...


class NotificationSettings:
    def __init__(self, store: NotificationStore, customers: CustomerLookup, sealer: Sealer, clock: Clock,
                 channels: Channels) -> None:
        self._store = store
        self._customers = customers
        self._sealer = sealer
        self._clock = clock
        self.channels = channels

    def config(self, channel: str) -> ChannelConfig | None:
        return self._store.channel_config(self.channels[channel].name)

    def active_labels(self) -> list[str]:
        """The labels of the channels configured and active, in order of preference."""
        return [c.label for c in self.channels if (found := self._store.channel_config(c.name)) and found.active]

    def configure(self, channel: str, active: bool, api: str, secret: str | None, url: str | None,
                  user: str) -> ChannelConfig:
        """``url`` None keeps the stored one, "" is the deployment's default; ``secret`` None keeps the stored one,
        which a change of ``url`` may not do."""
        found = self.channels[channel]
        current = self._store.channel_config(found.name)
        if secret is None and current is None:
            raise ValidationError([NEEDS_SECRET.format(provider=found.provider)])
        if url:
            try:
                url = found.hosts.check(url)
            except UrlRefused as refused:
                raise ValidationError([f"O campo url é inválido: {refused}"]) from None
        chosen = url if url is not None else (current.url if current else "")
        if secret is None:
            assert current is not None
            if not _same_address(found.hosts, chosen, current.url):
                raise ValidationError([URL_NEEDS_SECRET.format(provider=found.provider)])
            sealed = current.secret
        else:
            sealed = self._sealer.seal(secret, found.secret_context)
        config = ChannelConfig(active, api, sealed, chosen, self._clock(), user)
        self._store.save_channel_config(found.name, config)
        return config

    def templates(self) -> list[Template]:
        stored = self._store.templates()
        return [stored.get(name) or Template(name, True, kind.default_text) for name, kind in
                templates.EVENTS.items()]

    def template(self, event: str) -> Template:
        templates.kind_of(event)
        return next(t for t in self.templates() if t.event == event)

    def save_template(self, event: str, active: bool, text: str | None) -> Template:
        current, chosen = self._checked_text(event, text)
        template = Template(event, active, chosen, custom=text is not None or current.custom)
        self._store.save_template(template)
        return template

    def preview(self, event: str, text: str | None) -> Preview:
        """``text`` (None: the event's current one) rendered with the examples of the event's variables, refused
        as saving it would be. Nothing is stored."""
        _, chosen = self._checked_text(event, text)
        examples = templates.EVENTS[event].examples()
        return Preview(event, templates.render(chosen, examples), examples)

    def _checked_text(self, event: str, text: str | None) -> tuple[Template, str]:
        """The event's current template and the text a change would give it (``text``, or the current one when
        None), checked: an unknown event, an empty text or a variable the event does not have is refused."""
        kind = templates.kind_of(event)
        current = self.template(event)
        chosen = current.text if text is None else text
        templates.check(kind, chosen)
        return current, chosen

    def account_status(self, channel: str) -> AccountStatus:
        """The channel's account as its provider answers now; refused when the channel is not configured and
        active, or the provider did not answer with the account (unreachable, credentials refused)."""
        found, account = self._account(channel)
        status = found.account_status(account)
        if not status.ok:
            raise BusinessRuleError(status.reason)
        return status

    def send_test(self, channel: str, address: str, text: str | None, user: str) -> SendResult:
        """Send ``text`` (None: ``TEST_TEXT``) to ``address`` through ``channel`` now, the operator's test of its
        settings: the provider's answer, classified; refused, nothing sent, when the channel is not configured
        and active."""
        found, account = self._account(channel)
        chosen = TEST_TEXT.format(provider=found.provider, label=found.label) if text is None else text
        result = found.send(account, address, chosen)
        logger.info("%s: test message asked by %s: %s", found.name, user, result.classification.value)
        return result

    def _account(self, channel: str) -> tuple[Channel, Account]:
        """The channel, configured and active, with its account opened for a call made now."""
        found = self.channels[channel]
        config = self._store.channel_config(found.name)
        if config is None:
            raise BusinessRuleError(NOT_SET_UP.format(provider=found.provider))
        if not config.active:
            raise BusinessRuleError(INACTIVE.format(provider=found.provider))
        try:
            return found, _open_account(found, config, self._sealer)
        except UrlRefused as refused:
            logger.warning("%s: configured address not on the allow-list; nothing sent", found.name)
            raise BusinessRuleError(ADDRESS_REFUSED.format(provider=found.provider, reason=refused)) from None

    def wants(self, customer_id: int, channel: str) -> bool:
        """Whether the customer takes messages through ``channel`` (every channel, until they opt out)."""
        name = self.channels[channel].name
        self._customers.get(customer_id)
        return not self._store.opted_out(customer_id, name)

    def set_wants(self, customer_id: int, channel: str, wanted: bool) -> bool:
        name = self.channels[channel].name
        self._customers.get(customer_id)
        self._store.set_opted_out(customer_id, name, not wanted)
        return wanted

    def log(self, customer_id: int | None, first: datetime, last: datetime) -> list[OutgoingMessage]:
        """Messages created in [first, last], newest first (one customer's, or everyone's)."""
        if customer_id is not None:
            self._customers.get(customer_id)
            found = self._store.of_customer(customer_id, first, last)
        else:
            found = self._store.between(first, last)
        return sorted(found, key=lambda m: (m.created_at, m.event_id), reverse=True)


def _open_account(channel: Channel, config: ChannelConfig, sealer: Sealer) -> Account:
    """What a call to the provider is given: the checked, rebuilt address (never the stored text) and the opened
    secret. Raises ``UrlRefused`` for an address off the channel's allow-list, the secret not even opened."""
    url = channel.hosts.check(config.url or channel.default_url)
    return Account(url, config.api, sealer.open(config.secret, channel.secret_context))


def _same_address(hosts: AllowedHosts, chosen: str, stored: str) -> bool:
    """Whether ``chosen`` (canonical or "") is where ``stored`` already sends the secret."""
    if chosen == stored:
        return True
    return bool(chosen and stored) and hosts.allows(stored) and hosts.check(stored) == chosen


@dataclass(frozen=True)
class _Route:
    """The channel an event's message goes through, with what sending through it takes."""

    channel: Channel
    config: ChannelConfig
    customer: Customer
    address: str


class Notifier:
    """The notifications consumer."""

    def __init__(self, store: NotificationStore, settings: NotificationSettings, customers: CustomerLookup,
                 sealer: Sealer, clock: Clock, zone: tzinfo, *, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics
        self._settings = settings
        self._channels = settings.channels
        self._customers = customers
        self._sealer = sealer
        self._clock = clock
        self._zone = zone

    def handle(self, event: Message) -> str:
        """Send the event's message once; returns its status (raises RetryLater to be delivered again)."""
        now = self._clock()
        existing = self._store.message(event.id)
        if existing is not None and existing.status in DONE:
            return existing.status
        if existing is not None and existing.status == SENDING and existing.lease_until and \
                existing.lease_until > now:
            raise RetryLater(f"a mensagem do evento {event.id} está sendo enviada por outra entrega")
        customer_id = int(event.payload.get("id_cliente") or 0)
        draft = OutgoingMessage(event.id, event.type, customer_id, SENDING, existing.created_at if existing else now,
                                now, tries=existing.tries if existing else (),
                                version=existing.version + 1 if existing else 1)
        route = self._route(event, customer_id)
        if isinstance(route, str):
            self._store.claim(replace(draft, status=SKIPPED, reason=route), now)
            return SKIPPED
        kind = templates.EVENTS[event.type]
        text = templates.render(self._settings.template(event.type).text,
                                templates.variables_of(kind, event.payload, route.customer.name, self._zone))
        claimed = replace(draft, channel=route.channel.name, address=route.address, text=text,
                          lease_until=now + LEASE)
        if not self._store.claim(claimed, now):
            raise RetryLater(f"a mensagem do evento {event.id} foi reivindicada por outra entrega")
        return self._record(route.channel, claimed, self._send(event.id, route, text), event.receive_count)

    def _route(self, event: Message, customer_id: int) -> _Route | str:
        """The first channel, in the registry's order, that can take the event's message; or why none can."""
        if event.type not in templates.EVENTS:
            return NO_TEMPLATE.format(event=event.type, labels=self._channels.labels())
        if not self._settings.template(event.type).active:
            return f"O modelo do evento {event.type} está desativado."
        configured = [(channel, config) for channel in self._channels
                      if (config := self._store.channel_config(channel.name)) is not None and config.active]
        if not configured:
            return " ".join(NOT_CONFIGURED.format(provider=channel.provider) for channel in self._channels)
        if not customer_id:
            return "O evento não identifica o cliente."
        try:
            customer = self._customers.get(customer_id)
        except NotFoundError:
            return f"Cliente {customer_id} não encontrado."
        refusals = []
        for channel, config in configured:
            if self._store.opted_out(customer_id, channel.name):
                refusals.append(OPTED_OUT.format(label=channel.label))
                continue
            address = channel.address(customer)
            if address is None:
                refusals.append(channel.unreachable(customer))
                continue
            return _Route(channel, config, customer, address)
        return " ".join(refusals)

    def _send(self, event_id: str, route: _Route, text: str) -> SendResult:
        channel = route.channel
        try:
            account = _open_account(channel, route.config, self._sealer)
        except UrlRefused as refused:
            logger.warning("%s: configured address not on the allow-list; message %s not sent", channel.name,
                           event_id)
            return SendResult(Delivery.PERMANENT, DESTINATION_REFUSED.format(provider=channel.provider,
                                                                             reason=refused))
        return channel.send(account, route.address, text)

    def _record(self, channel: Channel, claimed: OutgoingMessage, result: SendResult, receive_count: int) -> str:
        now = self._clock()
        tries = (*claimed.tries, Try(now, result.classification.value, result.reason))
        if result.classification is Delivery.SENT:
            status = SENT
        elif result.classification is Delivery.PERMANENT:
            status = REFUSED
        else:
            status = FAILED if receive_count >= MAX_RECEIVE_COUNT else RETRYING
        self._metrics.count(MESSAGES_SENT if status == SENT else MESSAGES_FAILED)
        done = replace(claimed, status=status, reason="" if status == SENT else result.reason,
                       provider_message_id=result.message_id or "", answer=dict(result.raw), tries=tries,
                       updated_at=now, lease_until=None, version=claimed.version + 1)
        if not self._store.update(done, claimed.version):
            logger.warning("mensagem %s alterada durante o envio", claimed.event_id)
        if status in (RETRYING, FAILED):
            raise RetryLater(f"{channel.provider} indisponível para o evento {claimed.event_id}: {result.reason}")
        return status
