"""PynamoDB models, grouped by table. Table names are bound at run time
(``binding.bind_tables``); the first model of each table carries its indexes
and is the schema the local stack and the cloud template are built from."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.outbox import OUTBOX_KIND


class _Unbound:
    table_name = "unbound"
    # "NEW_IMAGE" on tables whose writes feed a stream consumer (the outbox).
    stream_view_type: str | None = None
    region = "us-east-1"
    host: str | None = None
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


# ---------------------------------------------------------------- identity
class ListingIndex(GlobalSecondaryIndex["IdentityItem"]):
    """Lists one kind of item (users, technicians) without a scan."""

    class Meta:
        index_name = "listing"
        projection = AllProjection()

    listing_pk = UnicodeAttribute(hash_key=True)
    listing_sk = UnicodeAttribute(range_key=True)


class IdentityItem(Model):
    """Schema model of the ``identity`` table (users, clients, tokens, technicians)."""

    class Meta(_Unbound):
        logical_name = "identity"
        ttl_attribute = "expires"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    listing_pk = UnicodeAttribute(null=True)
    listing_sk = UnicodeAttribute(null=True)
    listing = ListingIndex()


class UserItem(IdentityItem, discriminator="user"):
    user_id = NumberAttribute()
    username = UnicodeAttribute()
    name = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    is_admin = BooleanAttribute(default=False)
    technician_id = NumberAttribute(null=True)
    active = BooleanAttribute(default=True)
    token_generation = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(null=True)


class ClientItem(IdentityItem, discriminator="client"):
    client_id = UnicodeAttribute()
    name = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    active = BooleanAttribute(default=True)


class TokenItem(IdentityItem, discriminator="token"):
    token_kind = UnicodeAttribute()
    username = UnicodeAttribute()
    client_id = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    token_generation = NumberAttribute()
    pair_hash = UnicodeAttribute(default="")
    family = UnicodeAttribute(default="")
    used_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)


class TokenFamilyItem(IdentityItem, discriminator="token_family"):
    """The tokens now valid in one family: what a detected reuse must delete."""

    username = UnicodeAttribute()
    current_access = UnicodeAttribute()
    current_refresh = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    expires = TTLAttribute(null=True)


class LoginAttemptsItem(IdentityItem, discriminator="login_attempts"):
    """``THROTTLE#<username>``: ``ADDR#<source address>`` counts password checks from one address;
    ``USER`` counts the user's failures from every address."""

    attempts = NumberAttribute(default=0)
    window_start = UTCDateTimeAttribute()
    not_before = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)


class TechnicianItem(IdentityItem, discriminator="technician"):
    technician_id = NumberAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(default="")
    active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute(null=True)


class LookupItem(IdentityItem, discriminator="claim"):
    """A uniqueness claim (``EMAIL#x``) pointing at its owner."""

    owner = UnicodeAttribute()


# --------------------------------------------------------------- customers
class AddressMap(MapAttribute[str, Any]):
    logradouro = UnicodeAttribute()
    numero = UnicodeAttribute()
    bairro = UnicodeAttribute()
    cidade = UnicodeAttribute()
    uf = UnicodeAttribute()
    cep = UnicodeAttribute()
    complemento = UnicodeAttribute(default="")


class CustomerTableItem(Model):
    """Schema model of the ``customers`` table (customers, services, search entries)."""

    class Meta(_Unbound):
        logical_name = "customers"
        ttl_attribute = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class CustomerItem(CustomerTableItem, discriminator="customer"):
    customer_id = NumberAttribute()
    code = NumberAttribute()
    name = UnicodeAttribute()
    document = UnicodeAttribute()
    phone = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    # Issue 18's registration fields (absent on customers from before, and when not given).
    trade_name = UnicodeAttribute(null=True)
    phone2 = UnicodeAttribute(null=True)
    phone3 = UnicodeAttribute(null=True)
    email2 = UnicodeAttribute(null=True)
    rg = UnicodeAttribute(null=True)
    birth_date = UnicodeAttribute(null=True)  # AAAA-MM-DD
    version = NumberAttribute(null=True)  # every registration change adds 1, on the condition it is as read


class ServiceItem(CustomerTableItem, discriminator="service"):
    service_id = NumberAttribute()
    customer_id = NumberAttribute()
    name = UnicodeAttribute()
    amount_cents = NumberAttribute()
    address = AddressMap()
    status = UnicodeAttribute()
    suspension_profile_id = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    holder_code = NumberAttribute(null=True)  # customers.model.Holder
    holder_name = UnicodeAttribute(null=True)
    holder_document = UnicodeAttribute(null=True)
    # Open invoices that suspended it, kept in the same transactions as those invoices; any: suspended.
    suspended_by = NumberSetAttribute(null=True)
    # Its suspension profile counts it (``SuspensionProfileItem.service_count``, moved in the same transaction);
    # absent on a service whose profile was chosen before the count was kept, until ``ops count-profile-usage``.
    profile_counted = BooleanAttribute(null=True)
    # Issue 18's fields, changed by ``PUT cliente_servico/{id}`` on the condition that ``version`` is as read.
    login = UnicodeAttribute(null=True)  # claimed by ``LOGIN#<lower-case login>`` / ``LOGIN`` in the same write
    technology = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    registration_address = AddressMap(null=True)
    billing_address = AddressMap(null=True)
    fiscal_address = AddressMap(null=True)
    version = NumberAttribute(null=True)
    # Trust unlock (billing.suspension.trust): the local day the hourly tick suspends it again (present: unlocked
    # while ``suspended_by`` holds an invoice), and the unlocks counted in ``trust_month`` (YYYY-MM).
    trusted_until = UnicodeAttribute(null=True)
    trust_month = UnicodeAttribute(null=True)
    trust_count = NumberAttribute(null=True)


class CardItem(CustomerTableItem, discriminator="card"):
    """A customer's card: ``CUSTOMER#<id>`` / ``CARD#<id:010d>``; the gateway token only sealed."""

    card_id = NumberAttribute()
    customer_id = NumberAttribute()
    brand = UnicodeAttribute()
    last_digits = UnicodeAttribute()
    holder = UnicodeAttribute()
    expiry_month = NumberAttribute()
    expiry_year = NumberAttribute()
    gateway = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    token_ciphertext = UnicodeAttribute()
    token_nonce = UnicodeAttribute()
    token_data_key = UnicodeAttribute()
    refused_reason = UnicodeAttribute(null=True)  # the issuer said never to charge it again
    chain_started_at = UTCDateTimeAttribute(null=True)  # its first approved charge (stored-credential chain)
    issuer_transaction_id = UnicodeAttribute(null=True)  # the issuer's id of that charge


class WalletItem(CustomerTableItem, discriminator="wallet"):
    """Which card is the customer's default: ``CUSTOMER#<id>`` / ``CARDS``; every change bumps ``version``."""

    default_card_id = NumberAttribute(null=True)
    version = NumberAttribute()


class CardCountItem(CustomerTableItem, discriminator="card_count"):
    """``CUSTOMER#<id>`` / ``CARD_COUNT``: how many cards the customer has, changed by ``ADD`` in the
    transaction that adds or removes a card, with the limit as its condition."""

    card_count = NumberAttribute()


class CustomerRefItem(CustomerTableItem, discriminator="ref"):
    """A search entry or uniqueness claim pointing at a customer."""

    customer_id = NumberAttribute()
    service_id = NumberAttribute(null=True)  # on a login's claim: the service holding the login


# ---------------------------------------------------------------- settings
class SettingsItem(Model):
    """Schema model of the ``settings`` table (sequences, profiles, tick runs)."""

    class Meta(_Unbound):
        logical_name = "settings"
        ttl_attribute = "expires"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class SequenceItem(SettingsItem, discriminator="sequence"):
    value = NumberAttribute(default=0)


class GatewayConfigItem(SettingsItem, discriminator="card_gateway"):
    """A card gateway's settings: ``CARTAO_GATEWAY`` / ``<gateway>``; credentials only sealed."""

    environment = UnicodeAttribute()
    allows_auto_recurrence = BooleanAttribute()
    credentials_ciphertext = UnicodeAttribute()
    credentials_nonce = UnicodeAttribute()
    credentials_data_key = UnicodeAttribute()
    credential_hint = MapAttribute[str, Any](default=dict)
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(default="")


class InstallationItem(SettingsItem, discriminator="installation"):
    """``INSTALACAO`` / ``ID``: what tells this installation apart at shared outside services, created once."""

    order_prefix = UnicodeAttribute()  # starts every order id a card gateway sees
    created_at = UTCDateTimeAttribute()


class ActiveGatewayItem(SettingsItem, discriminator="active_card_gateway"):
    """``CARTAO_GATEWAY`` / ``ATIVO``: the one active gateway (one item, so never two)."""

    gateway = UnicodeAttribute()


class SuspensionProfileItem(SettingsItem, discriminator="suspension_profile"):
    """``PERFIL_SUSPENSAO`` / ``<id:010d>``: one query lists them all."""

    profile_id = NumberAttribute()
    description = UnicodeAttribute()
    warning_days = NumberAttribute()
    suspension_days = NumberAttribute()
    default = BooleanAttribute(default=False)
    # Services that chose it, changed by ``ADD`` in the transaction that assigns or unassigns it; a delete is
    # conditioned on zero.
    service_count = NumberAttribute(null=True)
    # Every service using it is in ``service_count``: true from creation on; a profile created before the count
    # was kept gets it from ``ops count-profile-usage``, once the older services are counted.
    usage_counted = BooleanAttribute(null=True)
    # Trust unlock limits (absent on profiles stored before them: the defaults of billing.suspension.service).
    trust_days = NumberAttribute(null=True)
    trust_per_month = NumberAttribute(null=True)


class DefaultProfileItem(SettingsItem, discriminator="default_suspension_profile"):
    """``PERFIL_SUSPENSAO`` / ``PADRAO``: which profile is the default. Every change of the default is one
    transaction conditioned on it, so two racing changes never leave two defaults (nor none)."""

    profile_id = NumberAttribute()


class CompanyItem(SettingsItem, discriminator="company"):
    """``EMPRESA`` / ``DADOS``: the provider's company data shown on invoices (billing.company)."""

    document = UnicodeAttribute(default="")
    legal_name = UnicodeAttribute()
    trade_name = UnicodeAttribute()


# ------------------------------------------------------ OS API catalogues
class CatalogueItem(SettingsItem, discriminator="catalogue"):
    """``CATALOGO`` / ``<kind>``: one catalogue of the OS API with all its entries (one query reads every
    catalogue; an entry is added or changed by its own map path, conditioned on its presence)."""

    # Entry id (text) -> {"descricao": str, "ativo": bool, "abre_os": bool}.
    entries = MapAttribute[str, Any](default=dict)
    revision = NumberAttribute(default=0)  # counts the writes (seed = 0)


class TickRunItem(SettingsItem, discriminator="tick_run"):
    runs = NumberAttribute(default=0)
    first_run_at = UTCDateTimeAttribute(null=True)
    last_run_at = UTCDateTimeAttribute(null=True)
    last_report = MapAttribute[str, Any](null=True)
    expires = TTLAttribute(null=True)




# ----------------------------------------------------------------- agendas
class WindowMap(MapAttribute[str, Any]):
    weekdays = ListAttribute[int]()
    start = UnicodeAttribute()  # HH:MM
    end = UnicodeAttribute()
    slot_minutes = NumberAttribute()
    capacity = NumberAttribute()


class CityMap(MapAttribute[str, Any]):
    name = UnicodeAttribute()
    uf = UnicodeAttribute()


class AgendaTableItem(Model):
    """Schema model of the ``agendas`` table (configurations and slot counters)."""

    class Meta(_Unbound):
        logical_name = "agendas"
        ttl_attribute = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class AgendaConfigItem(AgendaTableItem, discriminator="agenda"):
    agenda_id = NumberAttribute()
    description = UnicodeAttribute()
    active = BooleanAttribute()
    windows = ListAttribute[WindowMap](of=WindowMap)
    cities = ListAttribute[CityMap](of=CityMap, default=list)
    technician_ids = ListAttribute[int](default=list)
    daily_limit = NumberAttribute(null=True)
    closed_dates = ListAttribute[str](default=list)
    block_national_holidays = BooleanAttribute(default=False)
    version = NumberAttribute()


class SlotCounterItem(AgendaTableItem, discriminator="counter"):
    """Live OS overlapping one slot (``<date>#<HH:MM>``) or one day (``<date>#DIA``)."""

    booked = NumberAttribute(default=0)


class VisitMap(MapAttribute[str, Any]):
    order_id = NumberAttribute()
    number = NumberAttribute()
    start = UnicodeAttribute()  # local time, ISO without offset
    end = UnicodeAttribute()


class TechnicianDayItem(AgendaTableItem, discriminator="technician_day"):
    """``TECNICO#<id>`` / ``<date>``: the technician's visits touching that day (agenda.technician_time);
    every write is conditioned on ``version``, and an emptied day is kept so the version never restarts."""

    technician_id = NumberAttribute()
    day = UnicodeAttribute()
    visits = ListAttribute[VisitMap](of=VisitMap, default=list)
    version = NumberAttribute()


# ---------------------------------------------------------- service orders
class OrdersByAgendaIndex(GlobalSecondaryIndex["OrderTableItem"]):
    """OS of an agenda by programmed start, whatever their status (sparse: OS with an agenda and an interval)."""

    class Meta:
        index_name = "by_agenda"
        projection = AllProjection()

    agenda_pk = UnicodeAttribute(hash_key=True)
    agenda_sk = UnicodeAttribute(range_key=True)


class OrdersByCustomerIndex(GlobalSecondaryIndex["OrderTableItem"]):
    """A customer's OS by registration (``CLIENTE#<id>`` / ``<created>#<id:010d>``); a customer's tickets in their
    own partitions (``ATENDIMENTOS#CLIENTE#<id>``, see storage.tickets)."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_pk = UnicodeAttribute(hash_key=True)
    customer_sk = UnicodeAttribute(range_key=True)


class TicketsByServiceIndex(GlobalSecondaryIndex["OrderTableItem"]):
    """A customer's service's tickets by opening (``ATENDIMENTOS#SERVICO#<id>`` / ``<opened>#<id:010d>``)."""

    class Meta:
        index_name = "by_service"
        projection = AllProjection()

    service_pk = UnicodeAttribute(hash_key=True)
    service_sk = UnicodeAttribute(range_key=True)


def _by_date(index_name: str, year: str, key: str) -> GlobalSecondaryIndex[Any]:
    """An index by a date: ``<YYYY>`` / ``<local ISO moment>#<id>``, sparse (items with that date).
    Used for the OS's searchable dates (service_orders.listing.DATE_KINDS) and card attempts; invoices' dates
    are partitioned by month instead (``<YYYY-MM>`` / ``<local day>#<id>``)."""
    meta = type("Meta", (), {"index_name": index_name, "projection": AllProjection()})
    index = type(f"Orders_{index_name}", (GlobalSecondaryIndex,), {
        "Meta": meta, year: UnicodeAttribute(hash_key=True), key: UnicodeAttribute(range_key=True)})
    return index()  # type: ignore[no-any-return]


class OrderTableItem(Model):
    """Schema model of the ``service_orders`` table."""

    class Meta(_Unbound):
        logical_name = "service_orders"
        ttl_attribute = "expires"
        stream_view_type = "NEW_IMAGE"  # the outbox relay reads new outbox entries from the stream

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    agenda_pk = UnicodeAttribute(null=True)
    agenda_sk = UnicodeAttribute(null=True)
    by_agenda = OrdersByAgendaIndex()
    customer_pk = UnicodeAttribute(null=True)
    customer_sk = UnicodeAttribute(null=True)
    by_customer = OrdersByCustomerIndex()
    service_pk = UnicodeAttribute(null=True)
    service_sk = UnicodeAttribute(null=True)
    by_service = TicketsByServiceIndex()
    # One index per date an OS is searched by (tipo_data); see storage.orders.DATE_INDEXES. Tickets are in
    # by_created too, in their own yearly partitions (``ATENDIMENTOS#<YYYY>``, see storage.tickets).
    created_year = UnicodeAttribute(null=True)
    created_key = UnicodeAttribute(null=True)
    by_created = _by_date("by_created", "created_year", "created_key")
    start_year = UnicodeAttribute(null=True)
    start_key = UnicodeAttribute(null=True)
    by_start = _by_date("by_start", "start_year", "start_key")
    end_year = UnicodeAttribute(null=True)
    end_key = UnicodeAttribute(null=True)
    by_end = _by_date("by_end", "end_year", "end_key")
    executed_start_year = UnicodeAttribute(null=True)
    executed_start_key = UnicodeAttribute(null=True)
    by_executed_start = _by_date("by_executed_start", "executed_start_year", "executed_start_key")
    executed_end_year = UnicodeAttribute(null=True)
    executed_end_key = UnicodeAttribute(null=True)
    by_executed_end = _by_date("by_executed_end", "executed_end_year", "executed_end_key")


class OrderItem(OrderTableItem, discriminator="service_order"):
    order_id = NumberAttribute()
    number = NumberAttribute()
    customer_service_id = NumberAttribute()
    customer_id = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    agenda_id = NumberAttribute(null=True)
    start = UnicodeAttribute(null=True)  # local time, ISO without offset
    end = UnicodeAttribute(null=True)
    technician_ids = ListAttribute[int](default=list)
    description = UnicodeAttribute(default="")
    priority = UnicodeAttribute(default="normal")
    version = NumberAttribute()
    held = ListAttribute[str](default=list)  # "<agenda id>|<counter key>"
    type_id = NumberAttribute(null=True)
    ticket_id = NumberAttribute(null=True)
    opened_by = UnicodeAttribute(default="")
    opening_description = UnicodeAttribute(default="")
    availability = ListAttribute[str](default=list)
    unschedule_reason_id = NumberAttribute(null=True)
    unschedule_note = UnicodeAttribute(default="")
    closing = UnicodeAttribute(null=True)  # JSON of service_orders.model.Closing
    customer = UnicodeAttribute(null=True)  # JSON of service_orders.model.OrderCustomer


class TicketItem(OrderTableItem, discriminator="ticket"):
    """An atendimento: ``ATENDIMENTO#<id>`` / ``ATENDIMENTO``; indexed by customer, service and opening moment
    (storage.tickets)."""

    ticket_id = NumberAttribute()
    protocol = UnicodeAttribute()
    customer_service_id = NumberAttribute()
    customer_id = NumberAttribute()
    type_id = NumberAttribute()
    description = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    opened_by = UnicodeAttribute(default="")
    opened_by_id = NumberAttribute(null=True)
    responsible_id = NumberAttribute(null=True)
    parameters = UnicodeAttribute(null=True)  # JSON object of text values
    order_ids = NumberSetAttribute(null=True)  # the OS opened from it, added in each OS's transaction
    closing = UnicodeAttribute(null=True)  # JSON of tickets.model.TicketClosing
    customer = UnicodeAttribute(null=True)  # JSON: the service's holder, name and address when opened
    version = NumberAttribute(null=True)  # absent on tickets written before tickets changed: version 0


class TicketMessageItem(OrderTableItem, discriminator="ticket_message"):
    """A message of a ticket, in the ticket's partition: ``ATENDIMENTO#<id>`` / ``MSG#<message id:010d>``."""

    message_id = NumberAttribute()
    ticket_id = NumberAttribute()
    user_id = NumberAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    username = UnicodeAttribute(null=True)


class OrderMessageItem(OrderTableItem, discriminator="os_message"):
    """A message of an OS, in the OS's partition: ``OS#<id>`` / ``MSG#<message id:010d>``."""

    message_id = NumberAttribute()
    order_id = NumberAttribute()
    user_id = NumberAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    ip = UnicodeAttribute(null=True)
    username = UnicodeAttribute(null=True)


class OrderHistoryItem(OrderTableItem, discriminator="os_history"):
    """A change of an OS, in the OS's partition: ``OS#<id>`` / ``HIST#<version the change gave the OS:010d>``,
    written in the change's transaction."""

    order_id = NumberAttribute()
    version = NumberAttribute()
    at = UTCDateTimeAttribute()
    user = UnicodeAttribute(default="")
    action = UnicodeAttribute()
    detail = UnicodeAttribute(default="")


class OutboxItem(OrderTableItem, discriminator=OUTBOX_KIND):
    """An event written with the OS change that raised it; the table's stream
    carries it to the queue. Kept a while as a record, then expired by TTL."""

    body = UnicodeAttribute()
    expires = TTLAttribute()
    correlation_id = UnicodeAttribute(null=True)  # of the request or message that wrote it: the relay passes it on


# ---------------------------------------------------------------- billing
class InvoicesByServiceIndex(GlobalSecondaryIndex["BillingTableItem"]):
    """A service's invoices by due date: ``SERVICO#<id>`` / ``<due date>#<id:010d>``."""

    class Meta:
        index_name = "by_service"
        projection = AllProjection()

    service_pk = UnicodeAttribute(hash_key=True)
    service_sk = UnicodeAttribute(range_key=True)


class ScheduleIndex(GlobalSecondaryIndex["BillingTableItem"]):
    """Open invoices by the day their next recurring card try is due (``COBRAR#<day>``) or, once a tick queued
    it, by the day it was queued (``FILA#<day>``); sort key the invoice id. Sparse: only invoices with a try
    pending. Only what the tick needs is projected."""

    class Meta:
        index_name = "by_charge_day"
        projection = IncludeProjection(["kind", "retry_at", "queued_at"])

    charge_day = UnicodeAttribute(hash_key=True)
    charge_sk = UnicodeAttribute(range_key=True)


class DunningIndex(GlobalSecondaryIndex["BillingTableItem"]):
    """Open invoices by their next dunning step and its day (``aviso#<day>``, ``bloqueio#<day>``), and trust
    unlocks by the day they end (``confianca#<day>``, ``TrustEndItem``). Sparse."""

    class Meta:
        index_name = "by_dunning_day"
        projection = AllProjection()

    dunning_day = UnicodeAttribute(hash_key=True)
    dunning_sk = UnicodeAttribute(range_key=True)


class BillingTableItem(Model):
    """Schema model of the ``billing`` table: invoices, their card attempts and the outbox of billing events."""

    class Meta(_Unbound):
        logical_name = "billing"
        ttl_attribute = "expires"
        stream_view_type = "NEW_IMAGE"  # the outbox relay reads new outbox entries from the stream

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    service_pk = UnicodeAttribute(null=True)
    service_sk = UnicodeAttribute(null=True)
    by_service = InvoicesByServiceIndex()
    attempt_year = UnicodeAttribute(null=True)
    attempt_key = UnicodeAttribute(null=True)
    by_attempt_date = _by_date("by_attempt_date", "attempt_year", "attempt_key")
    charge_day = UnicodeAttribute(null=True)
    charge_sk = UnicodeAttribute(null=True)
    by_charge_day = ScheduleIndex()
    dunning_day = UnicodeAttribute(null=True)
    dunning_sk = UnicodeAttribute(null=True)
    by_dunning_day = DunningIndex()
    # Invoices by each date HubSoft lists them by (tipo_data): ``<YYYY-MM>`` / ``<local day>#<id:010d>``, sparse
    # (an unpaid invoice is not in by_paid_month); see storage.billing.PERIOD_INDEXES.
    due_month = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    by_due_month = _by_date("by_due_month", "due_month", "due_key")
    paid_month = UnicodeAttribute(null=True)
    paid_key = UnicodeAttribute(null=True)
    by_paid_month = _by_date("by_paid_month", "paid_month", "paid_key")
    created_month = UnicodeAttribute(null=True)
    created_key = UnicodeAttribute(null=True)
    by_created_month = _by_date("by_created_month", "created_month", "created_key")


class InvoiceItem(BillingTableItem, discriminator="invoice"):
    """``FATURA#<id>`` / ``FATURA``."""

    invoice_id = NumberAttribute()
    customer_service_id = NumberAttribute()
    customer_id = NumberAttribute()
    amount_cents = NumberAttribute()
    due_date = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    version = NumberAttribute()
    card_attempts = NumberAttribute(default=0)
    charging = UnicodeAttribute(null=True)
    paid_at = UTCDateTimeAttribute(null=True)
    paid_cents = NumberAttribute(null=True)
    payment_method = UnicodeAttribute(default="")
    recurring_tries = NumberAttribute(default=0)
    next_charge = UnicodeAttribute(null=True)
    try_due_on = UnicodeAttribute(null=True)
    queued_on = UnicodeAttribute(null=True)
    queued_at = UTCDateTimeAttribute(null=True)
    retry_at = UTCDateTimeAttribute(null=True)
    technical_failures = NumberAttribute(default=0)
    dunning_step = UnicodeAttribute(null=True)
    dunning_on = UnicodeAttribute(null=True)
    suspend_on = UnicodeAttribute(null=True)
    warned_on = UnicodeAttribute(null=True)
    suspended = BooleanAttribute(default=False)
    # Payment data issued outside (billing.invoices.payment_data); absent when not given.
    digitable_line = UnicodeAttribute(null=True)
    barcode = UnicodeAttribute(null=True)
    pix_code = UnicodeAttribute(null=True)
    payment_link = UnicodeAttribute(null=True)
    bank_number = UnicodeAttribute(null=True)
    paid_card = UnicodeAttribute(null=True)  # paid by card: brand and last digits


class RecurringChoiceItem(BillingTableItem, discriminator="recurring_choice"):
    """``SERVICO#<id>`` / ``COBRANCA``: recurring card payment of a service and its chosen card."""

    service_id = NumberAttribute()
    recurring = BooleanAttribute(default=False)
    card_id = NumberAttribute(null=True)


class ChargeAttemptItem(BillingTableItem, discriminator="charge_attempt"):
    """``FATURA#<id>`` / ``TENTATIVA#<n:03d>``; indexed by its local moment for the charge panel."""

    order_id = UnicodeAttribute()
    invoice_id = NumberAttribute()
    number = NumberAttribute()
    customer_id = NumberAttribute()
    customer_name = UnicodeAttribute()
    card_id = NumberAttribute()
    card_display = UnicodeAttribute()
    gateway = UnicodeAttribute()
    amount_cents = NumberAttribute()
    recurring = BooleanAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    outcome = UnicodeAttribute(default="")
    return_code = UnicodeAttribute(default="")
    return_message = UnicodeAttribute(default="")
    tid = UnicodeAttribute(default="")
    payment_id = UnicodeAttribute(default="")
    finished_at = UTCDateTimeAttribute(null=True)
    try_number = NumberAttribute(default=0)
    due_on = UnicodeAttribute(null=True)  # a recurring try: the day it was due
    late = BooleanAttribute(default=False)  # made after that day
    forced = BooleanAttribute(default=False)  # an operator charged a card the issuer had refused, or expired


class TrustEndItem(BillingTableItem, discriminator="trust_end"):
    """``SERVICO#<id>`` / ``CONFIANCA``: a trust unlock's end, listed in ``by_dunning_day`` under
    ``confianca#<day>`` (the day the tick suspends the service again); written with the unlock, deleted when the
    tick ends it."""

    service_id = NumberAttribute()
    customer_id = NumberAttribute()
    until = UnicodeAttribute()


class BillingOutboxItem(BillingTableItem, discriminator=OUTBOX_KIND):
    """A billing event written with the change that raised it (``OUTBOX`` / ``<moment>#<event id>``); the
    table's stream carries it to the notifications queue. Expired by TTL."""

    body = UnicodeAttribute()
    expires = TTLAttribute()
    correlation_id = UnicodeAttribute(null=True)  # of the request or message that wrote it: the relay passes it on


# ---------------------------------------------------------- notifications
class MessagesByCustomerIndex(GlobalSecondaryIndex["NotificationTableItem"]):
    """A customer's messages: ``CLIENTE#<id>`` / ``<local moment>#<event id>``."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_pk = UnicodeAttribute(hash_key=True)
    customer_sk = UnicodeAttribute(range_key=True)


class NotificationTableItem(Model):
    """Schema model of the ``notifications`` table: messages and customers' preferences."""

    class Meta(_Unbound):
        logical_name = "notifications"
        ttl_attribute = "expires"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    customer_pk = UnicodeAttribute(null=True)
    customer_sk = UnicodeAttribute(null=True)
    by_customer = MessagesByCustomerIndex()
    log_year = UnicodeAttribute(null=True)
    log_key = UnicodeAttribute(null=True)
    by_log_date = _by_date("by_log_date", "log_year", "log_key")


class MessageItem(NotificationTableItem, discriminator="message"):
    """``MENSAGEM#<event id>`` / ``MENSAGEM``: one per event, so an event is sent once. Attributes keep the
    names they had when WhatsApp through ZapMe was the only channel."""

    event_id = UnicodeAttribute()
    event = UnicodeAttribute()
    customer_id = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    channel = UnicodeAttribute(null=True)  # absent on messages stored before there were channels: WhatsApp's
    address = UnicodeAttribute(default="", attr_name="phone")
    text = UnicodeAttribute(default="")
    reason = UnicodeAttribute(default="")
    provider_message_id = UnicodeAttribute(default="", attr_name="zapme_id")
    answer = UnicodeAttribute(default="{}")  # JSON
    tries = UnicodeAttribute(default="[]")  # JSON
    lease_until = UTCDateTimeAttribute(null=True)
    version = NumberAttribute()


class PreferenceItem(NotificationTableItem, discriminator="preference"):
    """``CLIENTE#<id>`` / ``PREFERENCIAS#<channel>``: the customer's opt-out of a channel's messages
    (``PREFERENCIAS`` alone: of WhatsApp's, stored so before there were channels)."""

    opted_out = BooleanAttribute(default=False)


class TemplateItem(SettingsItem, discriminator="notification_template"):
    """``NOTIFICACAO_MODELO`` / ``<event>``: the provider's text for an event (absent: our default)."""

    active = BooleanAttribute()
    text = UnicodeAttribute()
    custom = BooleanAttribute(default=True)


class ChannelSettingsItem(SettingsItem, discriminator="notification_channel"):
    """``CANAL_NOTIFICACAO`` / ``<channel>``: a notification channel's account at its provider; the secret only
    sealed."""

    active = BooleanAttribute()
    api = UnicodeAttribute()
    secret_ciphertext = UnicodeAttribute()
    secret_nonce = UnicodeAttribute()
    secret_data_key = UnicodeAttribute()
    url = UnicodeAttribute(default="")
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(default="")


class ZapMeItem(ChannelSettingsItem, discriminator="zapme"):
    """``ZAPME`` / ``CONFIG``: the WhatsApp channel's settings, with the key and kind they had when ZapMe was the
    only channel."""


SCHEMA_MODELS: tuple[type[Model], ...] = (
    IdentityItem, CustomerTableItem, SettingsItem, AgendaTableItem, OrderTableItem, BillingTableItem,
    NotificationTableItem,
)
