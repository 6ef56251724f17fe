"""Notification channels: the port each way of reaching a customer implements, and the registry of them.

The notification service (``chalicelib.notify.service``) knows channels only through this port. It picks
the channel of each event's message, renders the event's template (templates are shared by every
channel), opens the channel's sealed secret after checking where it is about to go, and records the
outcome channel-neutrally: the channel's name, the address it used, the provider's message id and
answer. A channel knows how to address a customer and how to talk to its provider, nothing more.

Choosing the channel: the registry's order is the order of preference. An event's message goes through
the first channel that is configured and active, that the customer has not opted out of and that can
address the customer; when none can, the message is recorded as ``ignorada`` with each channel's reason.
Either way an event has one message, whichever channel it took. A registered channel sends nothing until
it is configured and active. The message log's API keeps the keys it had with WhatsApp alone: ``telefone``
is the address a message used and ``id_zapme`` the provider's id, whatever the channel.

How to add a notification channel
---------------------------------

Say SMS through a provider called Acme. Write:

1. The channel: a class with the members of :class:`Channel`, in a module of its own
   (``chalicelib/notify/acme_sms.py``; ``chalicelib/notify/whatsapp.py`` is the model), and the
   provider's HTTP client in another (as ``chalicelib/notify/zapme.py``).

   - ``name`` (``"sms"``) is stored on every message it sends and keys the customer's opt-out and the
     channel's settings: never change it once deployed. ``label`` (``"SMS"``) and ``provider``
     (``"Acme"``) go into the reasons, in Portuguese, that the message log shows.
   - ``address(customer)``: where the channel reaches the customer (a mobile number, an e-mail), None when
     it cannot; ``unreachable(customer)`` says why not, for the log.
   - ``send(account, address, text)``: one call to the provider that never raises for what the provider or
     the network did, but classifies it in a :class:`SendResult`: ``SENT``; ``PERMANENT`` when sending it
     again cannot help (invalid address, bad credentials, a refusal, a redirect); ``TEMPORARY`` when it may
     go later (timeout, connection error, 408, 429, 5xx, an unreadable answer). The service records a
     permanent failure and stops; a temporary one makes the queue deliver the event again. Keep the call,
     timeouts included, well under ``service.LEASE``; never retry a POST inside it (the queue retries);
     log neither the secret, the address nor the text. The operator's test message
     (``NotificationSettings.send_test``) goes through the same ``send``.
   - ``account_status(account)``: one call asking the provider about the account now (do the credentials
     work, the plan, a device session if the channel has one), answered as an :class:`AccountStatus`,
     failures included (``ok`` False with the reason), never raised. ``NotificationSettings.account_status``
     serves it to a route of the channel's own (as ``configuracao/integracao/zapme/status``).

2. Its settings. A channel's account at its provider is a :class:`ChannelConfig` (active, api key, sealed
   secret, base url), kept per channel name by the notification store with nothing to add there, and set
   through ``NotificationSettings.configure(name, ...)`` from a route of its own (as
   ``configuracao/integracao/zapme``) and an ``ops`` command (as ``set-zapme``). The customer's opt-out is
   ``NotificationSettings.wants``/``set_wants(customer, name, ...)``: a field next to ``whatsapp`` in
   ``cliente/{id}/notificacao``.

   - ``secret_context``: the KMS encryption context its secret is sealed under. Add it to the key's
     ``SealingContext`` list in ``infra/definition.py``; ``tests/unit/test_infra_template.py`` checks the
     key allows every registered channel's.
   - ``hosts``: where the secret may go. Read ``ACME_ALLOWED_HOSTS`` (default: the provider's https host)
     and ``ACME_API_URL`` (the ``default_url`` when the settings name none: the local stack's simulator)
     in ``chalicelib/config.py``, as ZapMe's are. The service checks an address against ``hosts`` when it
     is configured and again before each send; one off the list is a permanent failure, its secret not
     even opened.

3. Its simulator: ``sandbox/simulators/acme.py``, a ``Simulator`` listed in ``sandbox.simulators.ALL``
   with ``env_urls = ("ACME_API_URL",)``, answering the provider's successes, refusals and faults
   (``inject``). ``sandbox/stack.py`` appends ZapMe's simulator to ZAPME_ALLOWED_HOSTS when it starts it:
   do the same for ``ACME_ALLOWED_HOSTS``.

4. One registry entry in :func:`chalicelib.notify.registry.channels`, in its place in the order of
   preference.

5. Tests: the client against the simulator (``tests/integration``, as ``test_zapme_simulator.py``); the
   addressing and the answers' classification (``tests/unit``); the service with the channel registered,
   over the in-memory fakes of ``tests/fakes.py`` (as ``tests/unit/test_notification_channels.py``).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.allowed_hosts import AllowedHosts
from chalicelib.customers.model import Customer
from chalicelib.sealing import Sealed

# The first channel: messages and settings stored before there were channels are its.
WHATSAPP = "whatsapp"


class Delivery(StrEnum):
    SENT = "enviada"
    PERMANENT = "falha_permanente"
    TEMPORARY = "falha_temporaria"


@dataclass(frozen=True)
class SendResult:
    """A message as the provider answered for it: when sent, or when looked up."""

    classification: Delivery
    reason: str  # in Portuguese, for the operator and the notification log
    message_id: str | None = None  # the provider's id; None when the answer carried none
    status: str = ""  # the provider's message status; "" when none came
    raw: dict[str, Any] = field(default_factory=dict)  # the provider's answer for storage, the secret masked
    http_status: int | None = None  # None when no answer came

    @property
    def accepted(self) -> bool:
        """The provider took the message for delivery (derived, so it can never contradict the classification)."""
        return self.classification is Delivery.SENT

    def as_dict(self) -> dict[str, Any]:
        """For storage: plain JSON-able values."""
        return {"accepted": self.accepted, "classification": self.classification.value, "reason": self.reason,
                "message_id": self.message_id, "status": self.status, "raw": self.raw,
                "http_status": self.http_status}


@dataclass(frozen=True)
class AccountStatus:
    """The channel's account as its provider answers for it now: the plan, and the device session of a channel
    that has one (WhatsApp's phone)."""

    ok: bool  # the provider answered with the account's data (the credentials work)
    reason: str  # in Portuguese, for the operator
    service_status: str = ""  # the provider's word for the account (ZapMe's ``active``...); "" when none came
    plan: str = ""
    due_date: str = ""  # as the provider wrote it
    device_connected: bool | None = None  # None when unknown, or the channel has no device
    authenticated_at: str = ""  # when the device session started, as the provider wrote it
    raw: dict[str, Any] = field(default_factory=dict)  # the provider's answer, the secret masked
    http_status: int | None = None  # None when no answer came


@dataclass(frozen=True)
class ChannelConfig:
    """A channel's account at its provider, as configured."""

    active: bool
    api: str  # the account's public key
    secret: Sealed = field(repr=False)
    url: str  # empty: the deployment's default (the provider's, or its simulator's locally)
    updated_at: datetime
    updated_by: str = ""


@dataclass(frozen=True)
class Account:
    """What a send is given: the checked, canonical address of the provider and the opened credentials."""

    url: str
    api: str
    secret: str = field(repr=False)


class Channel(Protocol):
    @property
    def name(self) -> str:
        """Stored on each message and keying the opt-outs and the settings: ``whatsapp``."""

    @property
    def label(self) -> str:
        """How the log's reasons name the channel: ``WhatsApp``."""

    @property
    def provider(self) -> str:
        """How the log's reasons name the provider: ``ZapMe``."""

    @property
    def secret_context(self) -> Mapping[str, str]:
        """The encryption context the account's secret is sealed under."""

    @property
    def hosts(self) -> AllowedHosts:
        """Where the secret may be sent."""

    @property
    def default_url(self) -> str:
        """The provider's API when the settings name none (on ``hosts``)."""

    def address(self, customer: Customer) -> str | None:
        """Where this channel reaches ``customer``; None when it cannot."""

    def unreachable(self, customer: Customer) -> str:
        """Why :meth:`address` found none, in Portuguese."""

    def send(self, account: Account, address: str, text: str) -> SendResult:
        """Send ``text`` to ``address``; the provider's failures are classified, not raised."""

    def account_status(self, account: Account) -> AccountStatus:
        """Ask the provider about the account now; its failures are answered (``ok`` False), not raised."""


class Channels:
    """The registry: the channels this deployment sends through, in order of preference."""

    def __init__(self, *channels: Channel) -> None:
        names = [c.name for c in channels]
        if not channels or len(set(names)) < len(names):
            raise ValueError(f"channels need distinct names, at least one: {names}")
        self._by_name = {c.name: c for c in channels}

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._by_name.values())

    def __getitem__(self, name: str) -> Channel:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no notification channel {name!r}; registered: {', '.join(self._by_name)}") from None

    def labels(self) -> str:
        """``WhatsApp``, ``WhatsApp ou SMS``, ``WhatsApp, SMS ou e-mail``: the channels as a reason names them."""
        labels = [c.label for c in self]
        return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} ou {labels[-1]}"
