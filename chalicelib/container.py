"""The composition root: builds every service once per Lambda container.

``get_container()`` builds on first use (never at import: no AWS client is
created before the first request). Tests and the local stack build their own
with ``build_container`` and install it with ``use_container``.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from chalicelib.agenda.service import AgendaService, brazilian_holiday
from chalicelib.auth.passwords import PasswordHasher
from chalicelib.auth.service import AuthService
from chalicelib.billing.cards.service import CardService
from chalicelib.billing.charging.charges import ChargeService, ChargeTiming
from chalicelib.billing.charging.order_ids import OrderIds
from chalicelib.billing.company import CompanySettings
from chalicelib.billing.gateways.settings import GatewaySettingsService
from chalicelib.billing.invoices.listing import InvoiceListing
from chalicelib.billing.invoices.second_copy import SecondCopies
from chalicelib.billing.invoices.service import InvoiceService
from chalicelib.billing.recurring.choice import RecurringPayments
from chalicelib.billing.recurring.runner import CHARGE_DUE, RecurringCharges
from chalicelib.billing.suspension.service import Dunning, SuspensionProfiles
from chalicelib.billing.suspension.trust import TrustUnlocks
from chalicelib.clock import Clock, system_clock
from chalicelib.config import CARDS_KEY, Settings, key_alias, load_settings
from chalicelib.customers.service import CustomerService
from chalicelib.notify.registry import channels
from chalicelib.notify.service import NotificationSettings, Notifier
from chalicelib.notify.templates import EVENTS
from chalicelib.observability import LoggedMetrics, PowertoolsMetrics, configure_json_logging
from chalicelib.ports import PublishedMetrics, QueuePublisher, Sequences
from chalicelib.queues import CHARGES, NOTIFICATIONS, Handler, SqsPublisher
from chalicelib.service_orders.catalogues import Catalogues
from chalicelib.service_orders.events import UNSCHEDULED
from chalicelib.service_orders.listing import OrderListing
from chalicelib.service_orders.service import ServiceOrderService
from chalicelib.technicians.service import TechnicianService
from chalicelib.tick import TickJob, TickRuns
from chalicelib.tickets.service import TicketService


@dataclass
class Container:
    settings: Settings
    clock: Clock
    sequences: Sequences
    queues: QueuePublisher
    metrics: PublishedMetrics
    auth: AuthService
    customers: CustomerService
    technicians: TechnicianService
    agendas: AgendaService
    service_orders: ServiceOrderService
    order_listing: OrderListing
    catalogues: Catalogues  # the OS API's catalogues (issue 18)
    tickets: TicketService
    gateway_settings: GatewaySettingsService
    cards: CardService
    invoices: InvoiceService
    charges: ChargeService
    recurring: RecurringPayments
    recurring_charges: RecurringCharges
    suspension_profiles: SuspensionProfiles
    notification_settings: NotificationSettings
    notifier: Notifier
    tick_runs: TickRuns
    trust_unlocks: TrustUnlocks  # desbloqueio em confiança (billing.suspension.trust)
    # HubSoft's finance reads (cliente/financeiro, financeiro/fatura by period), second copies, company data.
    invoice_listing: InvoiceListing
    second_copies: SecondCopies
    company: CompanySettings
    tick_jobs: dict[str, TickJob] = field(default_factory=dict)
    # message type -> handler, per queue; capabilities register theirs.
    consumers: dict[str, dict[str, Handler]] = field(default_factory=dict)

    def handlers_for(self, queue: str) -> Mapping[str, Handler]:
        return self.consumers.get(queue, {})


def build_container(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    queues: QueuePublisher | None = None,
    boto3_session_factory: Callable[[], Any] | None = None,
    metrics: PublishedMetrics | None = None,
) -> Container:
    """Wire the DynamoDB-backed services for ``settings`` (``metrics``: counts only logged, unless given)."""
    from chalicelib.billing.gateways.factory import adapters
    from chalicelib.sealing import KmsEnvelopeSealer
    from chalicelib.storage.agendas import DynamoAgendaStore
    from chalicelib.storage.billing import DynamoBillingStore
    from chalicelib.storage.binding import bind_tables
    from chalicelib.storage.cards import DynamoGatewayConfigStore, DynamoWalletStore
    from chalicelib.storage.catalogues import DynamoCatalogueStore
    from chalicelib.storage.customers import DynamoCustomerStore
    from chalicelib.storage.identity import DynamoIdentityStore, DynamoTechnicianStore
    from chalicelib.storage.notifications import DynamoNotificationStore
    from chalicelib.storage.orders import DynamoOrderStore
    from chalicelib.storage.sequences import DynamoSequences
    from chalicelib.storage.settings import DynamoCompany, DynamoInstallation, DynamoSuspensionProfiles, DynamoTickRuns
    from chalicelib.storage.tickets import DynamoTicketStore
    from chalicelib.storage.trust import DynamoTrustStore

    bind_tables(settings)
    metrics = metrics if metrics is not None else LoggedMetrics()
    sequences = DynamoSequences()
    identity = DynamoIdentityStore()
    technicians = TechnicianService(DynamoTechnicianStore(identity), sequences, clock)
    hasher = PasswordHasher(settings.password_hash_profile)
    if queues is None:
        queues = SqsPublisher(lambda: _client("sqs", settings, boto3_session_factory))
    profiles = SuspensionProfiles(DynamoSuspensionProfiles(), sequences)
    customers = CustomerService(DynamoCustomerStore(), sequences, clock, profiles)
    agendas = AgendaService(DynamoAgendaStore(), sequences, technicians, brazilian_holiday)
    order_store = DynamoOrderStore(settings.zone)
    sealer = KmsEnvelopeSealer(lambda: _client("kms", settings, boto3_session_factory), key_alias(CARDS_KEY))
    gateway_settings = GatewaySettingsService(DynamoGatewayConfigStore(), sealer, clock,
                                              adapters(dict(settings.gateway_urls), settings.gateway_read_timeout))
    catalogues = Catalogues(DynamoCatalogueStore())
    orders = ServiceOrderService(order_store, customers, agendas, sequences, clock, zone=settings.zone,
                                 technicians=technicians, catalogues=catalogues)
    cards = CardService(DynamoWalletStore(), customers, gateway_settings, sealer, sequences, clock, settings.zone)
    billing = DynamoBillingStore(settings.zone)
    invoices = InvoiceService(billing, customers, sequences, clock, profiles, settings.zone)
    timing = ChargeTiming.of(settings.gateway_read_timeout,
                             timedelta(minutes=settings.gateway_not_found_after_minutes))
    charges = ChargeService(billing, invoices, cards, gateway_settings, customers, clock, settings.zone, _event_id,
                            metrics=metrics, order_id=OrderIds(DynamoInstallation()), timing=timing)
    recurring_charges = RecurringCharges(billing, invoices, charges, cards, gateway_settings, queues, clock,
                                         settings.zone, _event_id)
    dunning = Dunning(billing, settings.zone, _event_id)
    trust_unlocks = TrustUnlocks(DynamoTrustStore(), profiles, billing, clock, settings.zone, _event_id)
    notifications = DynamoNotificationStore(settings.zone)
    notification_settings = NotificationSettings(notifications, customers, sealer, clock, channels(settings))
    notifier = Notifier(notifications, notification_settings, customers, sealer, clock, settings.zone,
                        metrics=metrics)
    return Container(
        settings=settings,
        clock=clock,
        sequences=sequences,
        queues=queues,
        metrics=metrics,
        auth=AuthService(identity, sequences, hasher, clock, technicians, settings.access_token_seconds),
        customers=customers,
        technicians=technicians,
        agendas=agendas,
        service_orders=orders,
        order_listing=OrderListing(order_store, settings.zone),
        catalogues=catalogues,
        tickets=TicketService(DynamoTicketStore(settings.zone), order_store, sequences, clock),
        gateway_settings=gateway_settings,
        cards=cards,
        invoices=invoices,
        charges=charges,
        recurring=RecurringPayments(billing, customers, cards, invoices),
        recurring_charges=recurring_charges,
        suspension_profiles=profiles,
        notification_settings=notification_settings,
        notifier=notifier,
        tick_runs=DynamoTickRuns(),
        trust_unlocks=trust_unlocks,
        invoice_listing=InvoiceListing(billing, customers, settings.zone),
        second_copies=SecondCopies(invoices, queues, notification_settings, _event_id),
        company=CompanySettings(DynamoCompany()),
        # Each job is idempotent on its own (conditional writes): a re-run or overlapping tick repeats nothing.
        tick_jobs={"cobrancas_recorrentes": recurring_charges.enqueue_due, "suspensao": dunning.run,
                   "desbloqueio_confianca": trust_unlocks.run},
        consumers={CHARGES: {CHARGE_DUE: recurring_charges.handle},
                   NOTIFICATIONS: {event: notifier.handle for event in NOTIFIED_EVENTS}},
    )


# Every event on the notifications queue: those with a message, and the OS being unscheduled (recorded as
# having none, so the queue never dead-letters an event it knows).
NOTIFIED_EVENTS = (*EVENTS, UNSCHEDULED)


def _event_id() -> str:
    return uuid.uuid4().hex


def _client(service: str, settings: Settings, session_factory: Callable[[], Any] | None) -> Any:
    import boto3

    session = session_factory() if session_factory else boto3.session.Session()
    return session.client(service, region_name=settings.region, endpoint_url=settings.endpoint_url)


_current: Container | None = None


def get_container() -> Container:
    """The Lambda container's services, built on first use: logs as JSON, metrics as CloudWatch EMF."""
    global _current
    if _current is None:
        settings = load_settings()
        configure_json_logging(settings.log_level)
        _current = build_container(settings, metrics=PowertoolsMetrics())
    return _current


def built_container() -> Container | None:
    """The installed container, without building one."""
    return _current


def set_container(container: Container | None) -> None:
    global _current
    _current = container


@contextmanager
def use_container(container: Container) -> Iterator[Container]:
    """Install ``container`` for the duration of the block (tests, local stack)."""
    global _current
    previous = _current
    _current = container
    try:
        yield container
    finally:
        _current = previous
