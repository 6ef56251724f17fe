"""WhatsApp notifications: the ZapMe settings, the templates, each customer's
opt-out, and the consumer that turns an event of the notifications queue
into one message.

Each event is sent at most once: its message record is keyed by the event's
id and claimed with a conditional write before ZapMe is called, so a
duplicate delivery (or one racing it) finds the message sent, or in flight
and retries later. A temporary failure (ZapMe down, 5xx, timeout) is
recorded as a try and raised, so SQS delivers the event again with backoff;
on the last delivery the message is marked ``falha`` before it moves to the
dead-letter queue (redriven from there, it is tried again). A permanent
refusal (invalid number, bad credentials) is recorded and not retried. A
customer who opted out, has no valid mobile number, or an event whose
template is off is recorded as ``ignorada``: nothing is dropped silently.

The secret goes only to an address on the deployment's allow-list
(``chalicelib.allowed_hosts``, setting ZAPME_ALLOWED_HOSTS): a new ``url`` is
checked when it is configured, and changing it needs the secret in the same
change, so a stored secret is never redirected to another host. The address
is checked again before each send (it may predate the list, or the list may
have shrunk since): one not on it is recorded as a permanent failure and
nothing is sent, the secret not even opened.

Each call to ZapMe counts once in the business metrics: sent, or failed
(temporary and permanent failures alike); a skipped message counts nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from chalicelib.allowed_hosts import AllowedHosts, UrlRefused
from chalicelib.clock import Clock
from chalicelib.customers.model import Customer
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.notify import templates
from chalicelib.notify.phones import whatsapp_number
from chalicelib.notify.zapme import DEFAULT_BASE_URL, Delivery, SendResult
from chalicelib.ports import MESSAGES_FAILED, MESSAGES_SENT, Metrics
from chalicelib.queues import MAX_RECEIVE_COUNT, Message
from chalicelib.sealing import Sealed, Sealer

logger = logging.getLogger(__name__)

SENDING = "enviando"
SENT = "enviada"
RETRYING = "falha_temporaria"  # tried again by the queue
FAILED = "falha"  # gave up: in the dead-letter queue (a redrive tries it again)
REFUSED = "falha_permanente"
SKIPPED = "ignorada"
STATUSES = (SENDING, SENT, RETRYING, FAILED, REFUSED, SKIPPED)
DONE = (SENT, REFUSED, SKIPPED)  # never sent again
# How long a claim keeps other deliveries away: longer than one ZapMe call with its timeouts.
LEASE = timedelta(seconds=60)
SECRET_CONTEXT = {"purpose": "zapme-secret"}
# Without a configured list: ZapMe's own address only.
ZAPME_HOSTS = AllowedHosts.parse(DEFAULT_BASE_URL)
URL_NEEDS_SECRET = ("Para alterar a url da ZapMe, envie também o secret na mesma requisição: o secret gravado "
                    "não é enviado a um endereço novo. Nada foi alterado.")
DESTINATION_REFUSED = ("Envio bloqueado: o endereço configurado da API da ZapMe não é permitido ({reason}). "
                       "Configure a url da ZapMe novamente, com o secret; nada foi enviado.")


class RetryLater(Exception):
    """The message could not go now; raising makes SQS deliver the event again."""


@dataclass(frozen=True)
class ZapMeConfig:
    active: bool
    api: str
    secret: Sealed = field(repr=False)
    url: str  # empty: the deployment's default (ZapMe's, or the simulator's locally)
    updated_at: datetime
    updated_by: str = ""


@dataclass(frozen=True)
class Template:
    event: str
    active: bool
    text: str
    custom: bool = False  # False: our default text


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
    phone: str = ""
    text: str = ""
    reason: str = ""  # why it was skipped or refused, or the last failure
    zapme_id: str = ""
    answer: Mapping[str, Any] = field(default_factory=dict)  # ZapMe's last answer (never holds the secret)
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
    def zapme(self) -> ZapMeConfig | None: ...
    def save_zapme(self, config: ZapMeConfig) -> None: ...
    def opted_out(self, customer_id: int) -> bool: ...
    def set_opted_out(self, customer_id: int, opted_out: bool) -> None: ...


class CustomerLookup(Protocol):
    def get(self, customer_id: int) -> Customer: ...


class Sender(Protocol):
    def send(self, phone: str, text: str) -> SendResult: ...


# Builds a ZapMe client from (base URL, api, opened secret).
SenderFactory = Callable[[str, str, str], Sender]


class NotificationSettings:
    def __init__(self, store: NotificationStore, customers: CustomerLookup, sealer: Sealer, clock: Clock, *,
                 allowed_hosts: AllowedHosts = ZAPME_HOSTS) -> None:
        self._store = store
        self._customers = customers
        self._sealer = sealer
        self._clock = clock
        self._hosts = allowed_hosts

    def zapme(self) -> ZapMeConfig | None:
        return self._store.zapme()

    def configure_zapme(self, active: bool, api: str, secret: str | None, url: str | None,
                        user: str) -> ZapMeConfig:
        """``url`` None keeps the stored one, "" is the deployment's default; ``secret`` None keeps the stored one,
        which a change of ``url`` may not do."""
        current = self._store.zapme()
        if secret is None and current is None:
            raise ValidationError(["Informe o secret da ZapMe."])
        if url:
            try:
                url = self._hosts.check(url)
            except UrlRefused as refused:
                raise ValidationError([f"O campo url é inválido: {refused}"]) from None
        chosen = url if url is not None else (current.url if current else "")
        if secret is None:
            assert current is not None
            if not self._same_address(chosen, current.url):
                raise ValidationError([URL_NEEDS_SECRET])
            sealed = current.secret
        else:
            sealed = self._sealer.seal(secret, SECRET_CONTEXT)
        config = ZapMeConfig(active, api, sealed, chosen, self._clock(), user)
        self._store.save_zapme(config)
        return config

    def _same_address(self, chosen: str, stored: str) -> bool:
        """Whether ``chosen`` (canonical or "") is where ``stored`` already sends the secret."""
        if chosen == stored:
            return True
        return bool(chosen and stored) and self._hosts.allows(stored) and self._hosts.check(stored) == chosen

    def templates(self) -> list[Template]:
        stored = self._store.templates()
        return [stored.get(name) or Template(name, True, kind.default_text) for name, kind in
                templates.EVENTS.items()]

    def template(self, event: str) -> Template:
        templates.kind_of(event)
        return next(t for t in self.templates() if t.event == event)

    def save_template(self, event: str, active: bool, text: str | None) -> Template:
        kind = templates.kind_of(event)
        current = self.template(event)
        chosen = current.text if text is None else text
        templates.check(kind, chosen)
        template = Template(event, active, chosen, custom=text is not None or current.custom)
        self._store.save_template(template)
        return template

    def opt_out(self, customer_id: int, whatsapp: bool) -> bool:
        self._customers.get(customer_id)
        self._store.set_opted_out(customer_id, not whatsapp)
        return whatsapp

    def wants_whatsapp(self, customer_id: int) -> bool:
        self._customers.get(customer_id)
        return not self._store.opted_out(customer_id)

    def log(self, customer_id: int | None, first: datetime, last: datetime) -> list[OutgoingMessage]:
        """Messages created in [first, last], newest first (one customer's, or everyone's)."""
        if customer_id is not None:
            self._customers.get(customer_id)
            found = self._store.of_customer(customer_id, first, last)
        else:
            found = self._store.between(first, last)
        return sorted(found, key=lambda m: (m.created_at, m.event_id), reverse=True)


class Notifier:
    """The notifications consumer."""

    def __init__(self, store: NotificationStore, settings: NotificationSettings, customers: CustomerLookup,
                 sealer: Sealer, senders: SenderFactory, clock: Clock, zone: tzinfo, default_url: str = "", *,
                 metrics: Metrics, allowed_hosts: AllowedHosts = ZAPME_HOSTS) -> None:
        self._store = store
        self._metrics = metrics
        self._settings = settings
        self._customers = customers
        self._sealer = sealer
        self._senders = senders
        self._clock = clock
        self._zone = zone
        self._default_url = default_url or DEFAULT_BASE_URL
        self._hosts = allowed_hosts

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
        skip = self._skip_reason(event, customer_id)
        if skip:
            self._store.claim(replace(draft, status=SKIPPED, reason=skip), now)
            return SKIPPED
        customer = self._customers.get(customer_id)
        phone = whatsapp_number(customer.phone)
        if phone is None:
            reason = f"O cliente não tem celular válido para WhatsApp ({customer.phone or 'sem telefone'})."
            self._store.claim(replace(draft, status=SKIPPED, reason=reason), now)
            return SKIPPED
        kind = templates.EVENTS[event.type]
        text = templates.render(self._settings.template(event.type).text,
                                templates.variables_of(kind, event.payload, customer.name, self._zone))
        claimed = replace(draft, phone=phone, text=text, lease_until=now + LEASE)
        if not self._store.claim(claimed, now):
            raise RetryLater(f"a mensagem do evento {event.id} foi reivindicada por outra entrega")
        return self._record(claimed, self._send(event.id, phone, text), event.receive_count)

    def _skip_reason(self, event: Message, customer_id: int) -> str:
        if event.type not in templates.EVENTS:
            return f"O evento {event.type} não tem mensagem de WhatsApp."
        if not self._settings.template(event.type).active:
            return f"O modelo do evento {event.type} está desativado."
        config = self._store.zapme()
        if config is None or not config.active:
            return "A integração com a ZapMe não está configurada ou ativa."
        if not customer_id:
            return "O evento não identifica o cliente."
        try:
            opted_out = self._store.opted_out(customer_id)
            self._customers.get(customer_id)
        except NotFoundError:
            return f"Cliente {customer_id} não encontrado."
        if opted_out:
            return "O cliente optou por não receber mensagens de WhatsApp."
        return ""

    def _send(self, event_id: str, phone: str, text: str) -> SendResult:
        config = self._store.zapme()
        assert config is not None
        try:
            url = self._hosts.check(config.url or self._default_url)
        except UrlRefused as refused:
            logger.warning("zapme: configured address not on the allow-list; message %s not sent", event_id)
            return SendResult(Delivery.PERMANENT, DESTINATION_REFUSED.format(reason=refused))
        # The checked, rebuilt address (never the stored text) goes to the client.
        return self._senders(url, config.api, self._sealer.open(config.secret, SECRET_CONTEXT)).send(phone, text)

    def _record(self, claimed: OutgoingMessage, result: SendResult, receive_count: int) -> str:
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
                       zapme_id=result.message_id or "", answer=dict(result.raw), tries=tries, updated_at=now,
                       lease_until=None, version=claimed.version + 1)
        if not self._store.update(done, claimed.version):
            logger.warning("mensagem %s alterada durante o envio", claimed.event_id)
        if status in (RETRYING, FAILED):
            raise RetryLater(f"ZapMe indisponível para o evento {claimed.event_id}: {result.reason}")
        return status
