"""In-memory stand-ins for the storage ports, for the unit tier.

They hold the same invariants as the DynamoDB stores (unique username, unique
CPF/CNPJ, one consumer per token); tests/integration runs the same contract
tests against both so the fakes stay honest.
"""
from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.agenda.booking import AgendaChangedError, CapacityExhaustedError, CounterMoves
from chalicelib.agenda.model import Agenda
from chalicelib.agenda.technician_time import DayKey, TechnicianDay, TechnicianDayChangedError
from chalicelib.allowed_hosts import AllowedHosts
from chalicelib.auth.model import LoginAttempts, LoginBlock, OAuthClient, StoredToken, User
from chalicelib.auth.service import UserChangedError
from chalicelib.billing.charging.charges import PROCESSING, ChargeAttempt
from chalicelib.billing.gateways.settings import GatewayConfig
from chalicelib.billing.invoices.listing import date_of
from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES, Invoice
from chalicelib.billing.suspension.service import DefaultAsRead, SuspensionProfile
from chalicelib.billing.suspension.trust import TrustEnd, TrustRecord
from chalicelib.clock import local
from chalicelib.customers.model import Customer, Holder, Service, login_key, name_tokens
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.notify.channels import Account, AccountStatus, ChannelConfig, Delivery, SendResult
from chalicelib.notify.service import FAILED, RETRYING, SENDING, OutgoingMessage, Template
from chalicelib.queues import Message
from chalicelib.sealing import Sealed
from chalicelib.service_orders.catalogues import CatalogueEntry, EntryChange, Kind
from chalicelib.service_orders.model import HistoryEntry, OrderMessage, ServiceOrder, Ticket
from chalicelib.service_orders.service import OrderChangedError, TicketExistsError
from chalicelib.storage.dated import MOMENT, moment_key
from chalicelib.storage.errors import CONDITION_FAILED
from chalicelib.technicians.service import Technician
from chalicelib.tickets.model import TicketMessage
from chalicelib.tickets.service import TicketChangedError, TicketClosedError


class InMemorySequences:
    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}

    def next_id(self, name: str) -> int:
        return next(self._counters.setdefault(name, itertools.count(1)))


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []  # each message's body, parsed, as SQS would carry it

    def publish(self, queue: str, messages: Sequence[Message]) -> None:
        self.sent.extend((queue, json.loads(m.to_body())) for m in messages)


class CountingMetrics:
    """The metrics port in memory: ``counts`` since the last flush, ``published`` one Counter per flush."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.published: list[Counter[str]] = []

    def count(self, name: str) -> None:
        self.counts[name] += 1

    def flush(self) -> None:
        self.published.append(self.counts)
        self.counts = Counter()

    def total(self) -> Counter[str]:
        """Everything counted, published or not."""
        return sum(self.published, Counter()) + self.counts


class InMemoryIdentityStore:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.clients: dict[str, OAuthClient] = {}
        self.tokens: dict[str, StoredToken] = {}
        self.families: dict[str, dict[str, str | bool]] = {}
        self.throttles: dict[tuple[str, str], LoginAttempts] = {}

    def get_user(self, username: str) -> User | None:
        return self.users.get(username)

    def get_user_by_id(self, user_id: int) -> User | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    def add_user(self, user: User) -> None:
        if user.username in self.users:
            raise ConflictError(f"Já existe um usuário com o username {user.username}.")
        self.users[user.username] = user

    def list_users(self) -> list[User]:
        return list(self.users.values())

    def bump_token_generation(self, username: str) -> None:
        user = self.users[username]
        self.users[username] = replace(user, token_generation=user.token_generation + 1)

    def change_user(self, current: User, updated: User, keeping_admin: str | None = None) -> bool:
        stored = self.users.get(current.username)
        if stored is None or (stored.active, stored.is_admin) != (current.active, current.is_admin):
            raise UserChangedError()
        other = self.users.get(keeping_admin) if keeping_admin is not None else None
        if keeping_admin is not None and not (other and other.active and other.is_admin):
            return False
        # Only what the change touched, as the DynamoDB store writes it (the generation as an increment).
        changes: dict[str, Any] = {name: getattr(updated, name)
                                   for name in ("name", "permissions", "is_admin", "technician_id", "active")
                                   if getattr(updated, name) != getattr(current, name)}
        changes["token_generation"] = stored.token_generation + updated.token_generation - current.token_generation
        self.users[current.username] = replace(stored, **changes)
        return True

    def get_client(self, client_id: str) -> OAuthClient | None:
        return self.clients.get(client_id)

    def add_client(self, client: OAuthClient) -> bool:
        if client.client_id in self.clients:
            return False
        self.clients[client.client_id] = client
        return True

    def add_token(self, token: StoredToken) -> None:
        self.tokens[token.token_hash] = token

    def start_family(self, access: StoredToken, refresh: StoredToken) -> None:
        self.families[refresh.family] = {"access": access.token_hash, "refresh": refresh.token_hash,
                                         "revoked": False}
        self.tokens[access.token_hash] = access
        self.tokens[refresh.token_hash] = refresh

    def rotate_family(self, used: StoredToken, access: StoredToken, refresh: StoredToken, now: datetime) -> bool:
        family = self.families.get(used.family)
        current = self.tokens.get(used.token_hash)
        if family is None or family["revoked"] or family["refresh"] != used.token_hash or current is None \
                or current.used:
            return False
        self.tokens[used.token_hash] = replace(current, used=True)
        self.tokens.pop(used.pair_hash, None)
        self.tokens[access.token_hash] = access
        self.tokens[refresh.token_hash] = refresh
        family.update(access=access.token_hash, refresh=refresh.token_hash)
        return True

    def revoke_family(self, family_id: str) -> None:
        family = self.families.get(family_id)
        if family is None:
            return
        family["revoked"] = True
        self.tokens.pop(str(family["access"]), None)
        self.tokens.pop(str(family["refresh"]), None)

    def get_token(self, token_hash: str) -> StoredToken | None:
        return self.tokens.get(token_hash)

    def consume_token(self, token_hash: str) -> StoredToken | None:
        return self.tokens.pop(token_hash, None)

    def delete_token(self, token_hash: str) -> None:
        self.tokens.pop(token_hash, None)

    def _take(self, key: tuple[str, str], now: datetime, window_seconds: int,
              max_attempts: int | None) -> LoginAttempts | None:
        current = self.throttles.get(key)
        if current and current.not_before and current.not_before > now:
            return None
        if current and current.window_start > now - timedelta(seconds=window_seconds):
            if max_attempts is not None and current.attempts >= max_attempts:
                return None
            state = replace(current, attempts=current.attempts + 1)
        else:
            state = LoginAttempts(attempts=1, window_start=now)
        self.throttles[key] = state
        return state

    def take_login_attempt(self, username: str, address: str, now: datetime, max_attempts: int,
                           window_seconds: int) -> LoginAttempts | None:
        return self._take((username, f"ADDR#{address}"), now, window_seconds, max_attempts)

    def login_attempts(self, username: str, address: str) -> LoginAttempts | None:
        return self.throttles.get((username, f"ADDR#{address}"))

    def delay_login(self, username: str, address: str, until: datetime) -> None:
        current = self.throttles.get((username, f"ADDR#{address}"))
        if current and (current.not_before is None or current.not_before < until):
            self.throttles[(username, f"ADDR#{address}")] = replace(current, not_before=until)

    def clear_login_attempts(self, username: str, address: str) -> None:
        self.throttles.pop((username, f"ADDR#{address}"), None)

    def count_user_failure(self, username: str, now: datetime, window_seconds: int) -> int:
        taken = self._take((username, "USER"), now, window_seconds, None)
        return taken.attempts if taken else 0

    def user_failures(self, username: str, now: datetime, window_seconds: int) -> int:
        current = self.throttles.get((username, "USER"))
        if current is None or current.window_start <= now - timedelta(seconds=window_seconds):
            return 0
        return current.attempts

    def login_blocks(self, username: str) -> list[LoginBlock]:
        return [LoginBlock(address=sk.removeprefix("ADDR#"), attempts=state.attempts, not_before=state.not_before)
                for (user, sk), state in self.throttles.items() if user == username and sk.startswith("ADDR#")]

    def unlock_login(self, username: str) -> int:
        keys = [key for key in self.throttles if key[0] == username]
        for key in keys:
            del self.throttles[key]
        return sum(1 for _, sk in keys if sk.startswith("ADDR#"))


class InMemoryCatalogueStore:
    """Catalogues as stored whole by kind (absent: never seeded); ids unique per catalogue."""

    def __init__(self) -> None:
        self.catalogues: dict[Kind, dict[int, CatalogueEntry]] = {}
        self.reads = 0

    def load(self) -> dict[Kind, tuple[CatalogueEntry, ...]]:
        self.reads += 1
        return {kind: tuple(entries.values()) for kind, entries in self.catalogues.items()}

    def seed(self, kind: Kind, entries: tuple[CatalogueEntry, ...]) -> None:
        self.catalogues.setdefault(kind, {e.id: e for e in entries})

    def add(self, kind: Kind, entry: CatalogueEntry) -> bool:
        entries = self.catalogues[kind]
        if entry.id in entries:
            return False
        entries[entry.id] = entry
        return True

    def change(self, kind: Kind, entry_id: int, change: EntryChange) -> CatalogueEntry | None:
        entries = self.catalogues.get(kind, {})
        if entry_id not in entries:
            return None
        current = entries[entry_id]
        entries[entry_id] = replace(
            current,
            description=current.description if change.description is None else change.description,
            active=current.active if change.active is None else change.active,
            opens_orders=current.opens_orders if change.opens_orders is None else change.opens_orders)
        return entries[entry_id]


class InMemoryTechnicianStore:
    def __init__(self) -> None:
        self.technicians: dict[int, Technician] = {}

    def add(self, technician: Technician) -> None:
        if any(t.email == technician.email for t in self.technicians.values()):
            raise BusinessRuleError(f"Já existe um técnico com o e-mail {technician.email}.")
        self.technicians[technician.id] = technician

    def get(self, technician_id: int) -> Technician | None:
        return self.technicians.get(technician_id)

    def list_all(self) -> list[Technician]:
        return list(self.technicians.values())

    def get_many(self, technician_ids: list[int]) -> list[Technician]:
        return [self.technicians[i] for i in technician_ids if i in self.technicians]

    def update(self, current: Technician, updated: Technician) -> None:
        stored = self.technicians.get(current.id)
        if updated.email != current.email:
            if any(t.email == updated.email for t in self.technicians.values() if t.id != current.id):
                raise BusinessRuleError(f"Já existe um técnico com o e-mail {updated.email}.")
            if stored is None or stored.email != current.email:
                raise ConflictError("O técnico foi alterado por outra requisição; consulte-o e tente de novo.")
        if stored is None:
            raise ConflictError("O técnico foi alterado por outra requisição; consulte-o e tente de novo.")
        # Only what the change touched, as the DynamoDB store writes it.
        self.technicians[current.id] = replace(stored, **{
            name: getattr(updated, name) for name in ("name", "email", "phone", "active")
            if getattr(updated, name) != getattr(current, name)})


class InMemoryProfileStore:
    """Suspension profiles with their usage counts and the pointer to the default, as DynamoSuspensionProfiles
    keeps them.

    ``legacy(...)`` stores a profile as a release without the count and the pointer did (count not complete;
    flagged as the default without the pointer moving)."""

    def __init__(self) -> None:
        self.profiles: dict[int, SuspensionProfile] = {}
        self.counts: dict[int, int] = {}
        self.complete: set[int] = set()
        self.pointer: int | None = None

    def legacy(self, profile: SuspensionProfile) -> None:
        self.profiles[profile.id] = profile
        self.counts.setdefault(profile.id, 0)

    def add(self, profile: SuspensionProfile, replacing: DefaultAsRead | None) -> bool:
        if profile.id in self.profiles or not self._still_default(replacing):
            return False
        self._replace_default(profile.id, replacing)
        self.profiles[profile.id] = profile
        self.counts[profile.id] = 0
        self.complete.add(profile.id)
        return True

    def change(self, profile: SuspensionProfile, replacing: DefaultAsRead | None) -> bool:
        current = self.profiles.get(profile.id)
        if current is None or not self._still_default(replacing):
            return False
        self._replace_default(profile.id, replacing)
        self.profiles[profile.id] = replace(profile, default=current.default or replacing is not None)
        return True

    def delete(self, profile_id: int) -> bool:
        profile = self.profiles.get(profile_id)
        if (profile is None or profile.default or profile_id not in self.complete
                or self.counts.get(profile_id, 0)):
            return False
        del self.profiles[profile_id]
        return True

    def get(self, profile_id: int) -> SuspensionProfile | None:
        profile = self.profiles.get(profile_id)
        if profile is None:
            return None
        return replace(profile, services=self.counts[profile_id] if profile_id in self.complete else None)

    def all(self) -> list[SuspensionProfile]:
        return [p for p in (self.get(i) for i in self.profiles) if p is not None]

    def current_default(self) -> DefaultAsRead:
        return DefaultAsRead(self.pointer, tuple(p.id for p in self.profiles.values() if p.default))

    def finish_usage_count(self) -> int:
        unfinished = set(self.profiles) - self.complete
        self.complete |= unfinished
        return len(unfinished)

    def count(self, profile_id: int, change: int) -> bool:
        """The customers' store moving a count (False: no such profile, or it would go below zero)."""
        if profile_id not in self.profiles or self.counts[profile_id] + change < 0:
            return False
        self.counts[profile_id] += change
        return True

    def _still_default(self, replacing: DefaultAsRead | None) -> bool:
        return replacing is None or (replacing.pointer == self.pointer and all(
            self.profiles[i].default for i in replacing.flagged))

    def _replace_default(self, profile_id: int, replacing: DefaultAsRead | None) -> None:
        if replacing is None:
            return
        self.pointer = profile_id
        for old in replacing.flagged:
            self.profiles[old] = replace(self.profiles[old], default=False)


class InMemoryCustomerStore:
    """With ``profiles``, services are counted on their suspension profiles as DynamoCustomerStore does."""

    def __init__(self, profiles: InMemoryProfileStore | None = None) -> None:
        self.customers: dict[int, Customer] = {}
        self.profiles = profiles

    def add_customer(self, customer: Customer) -> None:
        if any(c.document == customer.document for c in self.customers.values()):
            raise BusinessRuleError("Já existe um cliente cadastrado com este CPF/CNPJ.")
        self._refuse_taken_logins(customer.services)
        self._count_new(customer.services)
        self.customers[customer.id] = customer

    def add_service(self, service: Service) -> None:
        customer = self.customers.get(service.customer_id)
        if customer is None:
            raise NotFoundError(f"Cliente de ID {service.customer_id} não encontrado")
        self._refuse_taken_logins((service,))
        self._count_new((service,))
        self.customers[customer.id] = replace(customer, services=(*customer.services, service))

    def update_customer(self, current: Customer, updated: Customer) -> None:
        stored = self.customers.get(current.id)
        if stored is None or stored.version != current.version:
            raise ConflictError("O cliente foi alterado por outra requisição; consulte-o e tente de novo.")
        holder = Holder(updated.code, updated.name, updated.document)
        self.customers[current.id] = replace(updated, services=tuple(replace(s, holder=holder)
                                                                     for s in stored.services))

    def update_service(self, current: Service, updated: Service) -> None:
        stored = self.get_service(current.id)
        if stored is None or stored.version != current.version:
            raise ConflictError("O serviço foi alterado por outra requisição; consulte-o e tente de novo.")
        if login_key(updated.login) != login_key(current.login):
            self._refuse_taken_logins((updated,))
        self._replace(replace(stored, login=updated.login, technology=updated.technology,
                              reference=updated.reference, registration_address=updated.registration_address,
                              billing_address=updated.billing_address, fiscal_address=updated.fiscal_address,
                              version=updated.version))

    def customer_id_by_login(self, login: str) -> int | None:
        return next((s.customer_id for c in self.customers.values() for s in c.services
                     if s.login and login_key(s.login) == login_key(login)), None)

    def customer_ids_by_trade_word(self, prefix: str) -> Iterator[int]:
        entries = sorted((word, c.id) for c in self.customers.values() for word in name_tokens(c.trade_name))
        return (cid for word, cid in entries if word.startswith(prefix))

    def _refuse_taken_logins(self, services: Sequence[Service]) -> None:
        for service in services:
            if service.login and self.customer_id_by_login(service.login) is not None:
                raise BusinessRuleError(f"O login {service.login} já está em uso por outro serviço.")

    def change_profile(self, current: Service, profile_id: int, uncount: int | None) -> None:
        stored = self.get_service(current.id)
        if stored is None or (stored.suspension_profile_id, stored.profile_counted) != (
                current.suspension_profile_id, current.profile_counted):
            raise ConflictError("O serviço foi alterado por outra requisição; consulte-o e tente de novo.")
        self._count(profile_id, 1)
        if uncount is not None and self.profiles is not None and not self.profiles.count(uncount, -1):
            raise RuntimeError("contagem do perfil já estava em zero")
        self._replace(replace(stored, suspension_profile_id=profile_id, profile_counted=True))

    def uncounted_services(self) -> Iterator[Service]:
        return (s for c in list(self.customers.values()) for s in c.services
                if s.suspension_profile_id is not None and not s.profile_counted)

    def count_profile(self, service: Service) -> bool:
        stored = self.get_service(service.id)
        if stored is None or stored.profile_counted or stored.suspension_profile_id != service.suspension_profile_id:
            return False
        self._count(service.suspension_profile_id or 0, 1)
        self._replace(replace(stored, profile_counted=True))
        return True

    def get_customer(self, customer_id: int) -> Customer | None:
        return self.customers.get(customer_id)

    def get_customers(self, customer_ids: list[int]) -> list[Customer]:
        return [self.customers[i] for i in dict.fromkeys(customer_ids) if i in self.customers]

    def customer_id_by_document(self, document: str) -> int | None:
        return next((c.id for c in self.customers.values() if c.document == document), None)

    def customer_id_by_service(self, service_id: int) -> int | None:
        return next((c.id for c in self.customers.values() if any(s.id == service_id for s in c.services)), None)

    def get_service(self, service_id: int) -> Service | None:
        return next((s for c in self.customers.values() for s in c.services if s.id == service_id), None)

    def get_services(self, service_ids: Iterable[int]) -> dict[int, Service]:
        wanted = set(service_ids)
        return {s.id: s for c in self.customers.values() for s in c.services if s.id in wanted}

    def customer_ids_by_phone(self, phone: str) -> list[int]:
        return [c.id for c in self.customers.values() if phone in c.phones]

    def customer_ids_by_name_word(self, prefix: str) -> Iterator[int]:
        entries = sorted((word, c.id) for c in self.customers.values() for word in name_tokens(c.name))
        return (cid for word, cid in entries if word.startswith(prefix))

    def _count_new(self, services: Sequence[Service]) -> None:
        """All or nothing: every counted profile must exist before any count moves."""
        if self.profiles is None:
            return
        uses = Counter(s.suspension_profile_id for s in services
                       if s.suspension_profile_id is not None and s.profile_counted)
        for profile_id in sorted(uses):
            if profile_id not in self.profiles.profiles:
                raise NotFoundError(f"Perfil de suspensão de ID {profile_id} não encontrado")
        for profile_id, count in uses.items():
            self.profiles.count(profile_id, count)

    def _count(self, profile_id: int, change: int) -> None:
        if self.profiles is not None and not self.profiles.count(profile_id, change):
            raise NotFoundError(f"Perfil de suspensão de ID {profile_id} não encontrado")

    def _replace(self, service: Service) -> None:
        customer = self.customers[service.customer_id]
        self.customers[customer.id] = replace(customer, services=tuple(
            service if s.id == service.id else s for s in customer.services))


class Profiles:
    """The customers' view of the suspension profiles: ``existing`` ids, each described as ``Perfil <id>``."""

    def __init__(self, *existing: int) -> None:
        self.existing = set(existing)

    def description(self, profile_id: int) -> str | None:
        return f"Perfil {profile_id}" if profile_id in self.existing else None


class InMemoryAgendaStore:
    """Agenda configurations with the version check of the DynamoDB store.

    ``counters`` holds booked places per agenda, keyed like the store's
    (``<date>#<HH:MM>``, ``<date>#DIA``); tests set them directly.
    """

    def __init__(self) -> None:
        self.agendas: dict[int, Agenda] = {}
        self.counters: dict[int, dict[str, int]] = {}

    def add(self, agenda: Agenda) -> None:
        if agenda.id in self.agendas:
            raise ConflictError(f"Já existe uma agenda de ID {agenda.id}.")
        self.agendas[agenda.id] = agenda

    def get(self, agenda_id: int) -> Agenda | None:
        return self.agendas.get(agenda_id)

    def list_all(self) -> list[Agenda]:
        return list(self.agendas.values())

    def replace(self, agenda: Agenda, expected_version: int) -> None:
        current = self.agendas.get(agenda.id)
        if current is None or current.version != expected_version:
            raise ConflictError("A agenda foi alterada por outra requisição; consulte-a e tente de novo.")
        self.agendas[agenda.id] = agenda

    def booked(self, agenda_id: int, first: date, last: date) -> dict[str, int]:
        low, high = first.isoformat(), f"{last.isoformat()}#~"
        return {k: v for k, v in self.counters.get(agenda_id, {}).items() if low <= k <= high}


class InMemoryOrderStore:
    """Service orders with the DynamoDB store's transaction: an OS is created only when new and changed only at the
    version it was read at, its history entry only under a version no entry has, each counter it takes only with
    room left (in ``agendas.counters``) and only while the agenda is at the version (and active) the booking was
    computed from, each technician's day only at the version it was read at; the events, the ticket and the entry
    commit with it, all or nothing. A refusal raises the error of the first item that failed, in the DynamoDB
    store's order."""

    def __init__(self, agendas: InMemoryAgendaStore) -> None:
        self.agendas = agendas
        self.orders: dict[int, ServiceOrder] = {}
        self.stored_tickets: dict[int, Ticket] = {}
        self.stored_messages: dict[int, list[OrderMessage]] = {}
        self.entries: dict[int, list[HistoryEntry]] = {}
        self.days: dict[DayKey, TechnicianDay] = {}
        self.events: list[dict[str, Any]] = []

    def get(self, order_id: int) -> ServiceOrder | None:
        return self.orders.get(order_id)

    def get_many(self, order_ids: Sequence[int]) -> dict[int, ServiceOrder]:
        return {o: self.orders[o] for o in order_ids if o in self.orders}

    def save(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
             events: Sequence[Message] = (), written_at: datetime | None = None,
             ticket: Ticket | None = None, days: Sequence[TechnicianDay] = (),
             entry: HistoryEntry | None = None, attach_to: int | None = None) -> None:
        rows = _outbox_rows(events)
        refusal = self._refusal(order, expected_version, moves, ticket, entry)
        if refusal is None and attach_to is not None:
            parent = self.stored_tickets.get(attach_to)
            refusal = TicketClosedError(attach_to) if parent is None or parent.closing is not None else None
        if refusal is not None:
            raise refusal
        self._check_days(days)
        self.orders[order.id] = order
        if entry is not None:
            self.entries.setdefault(entry.order_id, []).append(entry)
        for counter in moves.increments:
            self._add(counter.agenda_id, counter.key, 1)
        for counter in moves.decrements:
            self._add(counter.agenda_id, counter.key, -1)
        self.events += rows
        if ticket is not None:
            self.stored_tickets[ticket.id] = ticket
        elif attach_to is not None:
            parent = self.stored_tickets[attach_to]
            self.stored_tickets[attach_to] = replace(parent, order_ids=(*parent.order_ids, order.id),
                                                     version=parent.version + 1)
        self._write_days(days)

    def _refusal(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
                 ticket: Ticket | None, entry: HistoryEntry | None) -> Exception | None:
        """The error of the first item whose condition fails (the technicians' days are checked after)."""
        current = self.orders.get(order.id)
        exists_wrongly = current is not None if expected_version is None else (
            current is None or current.version != expected_version)
        if exists_wrongly or (entry is not None and any(
                e.version == entry.version for e in self.entries.get(entry.order_id, []))):
            return OrderChangedError()
        if moves.check_agenda is not None:
            agenda = self.agendas.agendas.get(moves.check_agenda[0])
            if agenda is None or agenda.version != moves.check_agenda[1] or not agenda.active:
                return AgendaChangedError()
        full = next((c for c, limit in moves.increments.items()
                     if limit is not None and self._booked(c.agenda_id, c.key) >= limit), None)
        if full is not None:
            return CapacityExhaustedError(full)
        empty = next((c for c in moves.decrements if self._booked(c.agenda_id, c.key) <= 0), None)
        if empty is not None:
            return RuntimeError(f"contador de agenda já estava em zero: {empty!r}")
        if ticket is not None and ticket.id in self.stored_tickets:
            return TicketExistsError()
        return None

    def technician_days(self, keys: Sequence[DayKey]) -> list[TechnicianDay]:
        return [self.days.get(key, TechnicianDay(*key)) for key in keys]

    def record_days(self, order: ServiceOrder, days: Sequence[TechnicianDay]) -> None:
        current = self.orders.get(order.id)
        if current is None or current.version != order.version:
            raise OrderChangedError()
        self._check_days(days)
        self._write_days(days)

    def add_ticket(self, ticket: Ticket) -> None:
        if ticket.id in self.stored_tickets:
            raise TicketExistsError()
        self.stored_tickets[ticket.id] = ticket

    def get_ticket(self, ticket_id: int) -> Ticket | None:
        return self.stored_tickets.get(ticket_id)

    def tickets(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
        return {t: self.stored_tickets[t] for t in ticket_ids if t in self.stored_tickets}

    def add_message(self, message: OrderMessage) -> None:
        self.stored_messages.setdefault(message.order_id, []).append(message)

    def messages(self, order_id: int) -> list[OrderMessage]:
        return sorted(self.stored_messages.get(order_id, []), key=lambda m: m.id)

    def history(self, order_id: int) -> tuple[list[HistoryEntry], list[OrderMessage]]:
        return sorted(self.entries.get(order_id, []), key=lambda e: e.version), self.messages(order_id)

    def _booked(self, agenda_id: int, key: str) -> int:
        return self.agendas.counters.get(agenda_id, {}).get(key, 0)

    def _add(self, agenda_id: int, key: str, amount: int) -> None:
        counters = self.agendas.counters.setdefault(agenda_id, {})
        counters[key] = counters.get(key, 0) + amount

    def _check_days(self, days: Sequence[TechnicianDay]) -> None:
        for day in days:
            stored = self.days.get(day.key)
            if (stored.version if stored else 0) != day.version:
                raise TechnicianDayChangedError()

    def _write_days(self, days: Sequence[TechnicianDay]) -> None:
        for day in days:
            self.days[day.key] = replace(day, version=day.version + 1)


class InMemoryTicketStore:
    """Tickets with the DynamoDB store's conditions (a change only at the version read, a message only while the
    ticket is open), over the tickets of an ``InMemoryOrderStore`` (the OS store writes them with their OS)."""

    def __init__(self, orders: InMemoryOrderStore, zone: tzinfo = UTC) -> None:
        self.orders = orders
        self.stored_messages: dict[int, list[TicketMessage]] = {}
        self._zone = zone

    def get(self, ticket_id: int) -> Ticket | None:
        return self.orders.stored_tickets.get(ticket_id)

    def get_many(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
        return self.orders.tickets(ticket_ids)

    def by_customer(self, customer_id: int) -> list[Ticket]:
        return self._sorted(t for t in self.orders.stored_tickets.values() if t.customer_id == customer_id)

    def by_service(self, service_id: int) -> list[Ticket]:
        return self._sorted(t for t in self.orders.stored_tickets.values() if t.customer_service_id == service_id)

    def opened_between(self, first: datetime, last: datetime) -> list[Ticket]:
        return self._sorted(t for t in self.orders.stored_tickets.values()
                            if first <= t.created_at.astimezone(self._zone).replace(tzinfo=None) <= last)

    def write(self, ticket: Ticket, expected_version: int) -> None:
        current = self.orders.stored_tickets.get(ticket.id)
        if current is None or current.version != expected_version:
            raise TicketChangedError()
        self.orders.stored_tickets[ticket.id] = ticket

    def add_message(self, message: TicketMessage) -> None:
        ticket = self.orders.stored_tickets.get(message.ticket_id)
        if ticket is None or ticket.closing is not None:
            raise TicketClosedError(message.ticket_id)
        self.stored_messages.setdefault(message.ticket_id, []).append(message)

    def messages(self, ticket_id: int) -> list[TicketMessage]:
        return sorted(self.stored_messages.get(ticket_id, []), key=lambda m: m.id)

    @staticmethod
    def _sorted(tickets: Iterable[Ticket]) -> list[Ticket]:
        return sorted(tickets, key=lambda t: (t.created_at, t.id))


class InMemoryBillingStore:
    """Invoices and their card attempts with the DynamoDB store's conditions: an invoice changes only at the
    version it was read at, an attempt starts only while none is in flight (and, recurring, while the invoice has
    tries left), an outcome is recorded once, and events commit with the write that raised them."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.invoices: dict[int, Invoice] = {}
        self.attempts_by_key: dict[tuple[int, int], ChargeAttempt] = {}
        self.events: list[dict[str, Any]] = []
        self._zone = zone  # the panel's periods are local, as the store's

    def add(self, invoice: Invoice) -> None:
        if invoice.id in self.invoices:
            # What the DynamoDB store's put (conditioned on the key not existing) raises, so callers see one error.
            raise PutError("Failed to put item", ClientError(
                {"Error": {"Code": CONDITION_FAILED, "Message": "The conditional request failed"}}, "PutItem"))
        self.invoices[invoice.id] = invoice

    def get(self, invoice_id: int) -> Invoice | None:
        return self.invoices.get(invoice_id)

    def by_service(self, service_id: int) -> list[Invoice]:
        return sorted((i for i in self.invoices.values() if i.customer_service_id == service_id),
                      key=lambda i: (i.due_date, i.id))

    def write(self, invoice: Invoice, expected_version: int, events: Sequence[Message] = ()) -> bool:
        stored = _outbox_rows(events)
        current = self.invoices.get(invoice.id)
        if current is None or current.version != expected_version:
            return False
        self.invoices[invoice.id] = invoice
        self.events += stored
        return True

    def replace(self, invoice: Invoice, expected_version: int) -> bool:
        return self.write(invoice, expected_version)

    def by_period(self, kind: str, first: date, last: date, skip: int, take: int,
                  status: str | None) -> tuple[int, list[Invoice]]:
        dated = [(day, i) for i in self.invoices.values()
                 if (day := date_of(i, kind, self._zone)) is not None and first <= day <= last
                 and (status is None or i.status == status)]
        ordered = [i for _, i in sorted(dated, key=lambda pair: (pair[0], pair[1].id))]
        return len(ordered), ordered[skip:skip + take]

    def start(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt) -> bool:
        current = self.invoices.get(invoice.id)
        if current is None or current.version != expected_version or current.charging is not None:
            return False
        if attempt.recurring and current.recurring_tries >= MAX_RECURRING_TRIES:
            return False
        if (attempt.invoice_id, attempt.number) in self.attempts_by_key:
            return False
        self.invoices[invoice.id] = invoice
        self.attempts_by_key[(attempt.invoice_id, attempt.number)] = attempt
        return True

    def record(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: Sequence[Message] = ()) -> bool:
        _outbox_rows(events)  # the DynamoDB store builds its rows before any condition is checked
        if (attempt.invoice_id, attempt.number) in self.attempts_by_key:
            return False
        if not self.write(invoice, expected_version, events):
            return False
        self.attempts_by_key[(attempt.invoice_id, attempt.number)] = attempt
        return True

    def finish(self, invoice: Invoice, expected_version: int, attempt: ChargeAttempt,
               events: Sequence[Message] = ()) -> bool:
        _outbox_rows(events)
        stored = self.attempts_by_key.get((attempt.invoice_id, attempt.number))
        if stored is None or stored.status != PROCESSING:
            return False
        if not self.write(invoice, expected_version, events):
            return False
        self.attempts_by_key[(attempt.invoice_id, attempt.number)] = attempt
        return True

    def attempt(self, invoice_id: int, number: int) -> ChargeAttempt | None:
        return self.attempts_by_key.get((invoice_id, number))

    def attempts(self, invoice_id: int) -> list[ChargeAttempt]:
        return [a for (i, _), a in sorted(self.attempts_by_key.items()) if i == invoice_id]

    def by_date(self, first: datetime, last: datetime) -> Iterator[ChargeAttempt]:
        """Attempts made in [first, last] (local, naive) in the index's order: local moment to the second, then
        order id."""
        moments = {key: local(a.created_at, self._zone).replace(microsecond=0)
                   for key, a in self.attempts_by_key.items()}
        keys = sorted(moments, key=lambda key: (moments[key], self.attempts_by_key[key].order_id))
        return (self.attempts_by_key[key] for key in keys if first <= moments[key] <= last)


def _outbox_rows(events: Sequence[Message]) -> list[dict[str, Any]]:
    """``events`` as the DynamoDB store's outbox rows hold them: JSON (a date raises TypeError, a tuple comes back a
    list), one row per event id (two events of one id in one write are two operations on one item: DynamoDB
    rejects the transaction)."""
    rows = [json.loads(e.to_body()) for e in events]
    if len({row["id"] for row in rows}) < len(rows):
        raise TransactWriteError("Failed to write transaction items", ClientError(
            {"Error": {"Code": "ValidationException",
                       "Message": "Transaction request cannot include multiple operations on one item"}},
            "TransactWriteItems"))
    return rows


class InMemoryNotificationStore:
    """Messages, templates, channels' settings and opt-outs, with the DynamoDB store's conditions: a message is
    claimed only when it is new, to be tried again, or in flight under a lease that ran out; updated only at the
    version it was read at."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.messages: dict[str, OutgoingMessage] = {}
        self.stored_templates: dict[str, Template] = {}
        self.configs: dict[str, ChannelConfig] = {}
        self.opt_outs: set[tuple[int, str]] = set()
        self._zone = zone  # the log's dates are the provider's, as the store's

    def message(self, event_id: str) -> OutgoingMessage | None:
        return self.messages.get(event_id)

    def claim(self, message: OutgoingMessage, now: datetime) -> bool:
        current = self.messages.get(message.event_id)
        free = current is None or current.status in (RETRYING, FAILED) or (
            current.status == SENDING and current.lease_until is not None and current.lease_until < now)
        if free:
            self.messages[message.event_id] = message
        return free

    def update(self, message: OutgoingMessage, expected_version: int) -> bool:
        current = self.messages.get(message.event_id)
        if current is None or current.version != expected_version:
            return False
        self.messages[message.event_id] = message
        return True

    def of_customer(self, customer_id: int, first: datetime, last: datetime) -> Iterator[OutgoingMessage]:
        return (m for m in self.between(first, last) if m.customer_id == customer_id)

    def between(self, first: datetime, last: datetime) -> Iterator[OutgoingMessage]:
        """Messages created in [first, last] (local, naive) in the index's order: local moment, then event id."""
        low, high = first.strftime(MOMENT), f"{last.strftime(MOMENT)}~"
        keys = {moment_key(m.created_at.astimezone(self._zone), m.event_id): m for m in self.messages.values()}
        return (keys[key] for key in sorted(keys) if low <= key <= high)

    def templates(self) -> dict[str, Template]:
        return dict(self.stored_templates)

    def save_template(self, template: Template) -> None:
        self.stored_templates[template.event] = template

    def channel_config(self, channel: str) -> ChannelConfig | None:
        return self.configs.get(channel)

    def save_channel_config(self, channel: str, config: ChannelConfig) -> None:
        self.configs[channel] = config

    def opted_out(self, customer_id: int, channel: str) -> bool:
        return (customer_id, channel) in self.opt_outs

    def set_opted_out(self, customer_id: int, channel: str, opted_out: bool) -> None:
        (self.opt_outs.add if opted_out else self.opt_outs.discard)((customer_id, channel))


class PlainSealer:
    """Seals nothing, but binds each secret to its context as KMS does: opening under another context fails."""

    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, json.dumps(dict(context), sort_keys=True), "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        if sealed.nonce != json.dumps(dict(context), sort_keys=True):
            raise ValueError(f"sealed under {sealed.nonce}, opened under {dict(context)}")
        return sealed.ciphertext


class EmailChannel:
    """A second notification channel, in memory: e-mail through a provider called Correio. Answers each send
    from ``answers`` (sent, with an id of its own, when none is left) and keeps in ``sent`` what it was asked to
    send, with the account it was given; answers ``account_status`` with ``status`` and keeps in ``asked`` the
    accounts it was asked about."""

    name = "email"
    label = "e-mail"
    provider = "Correio"
    secret_context: Mapping[str, str] = {"purpose": "correio-secret"}
    default_url = "https://api.correio.example"
    hosts = AllowedHosts.parse(default_url)

    def __init__(self) -> None:
        self.answers: list[SendResult] = []
        self.sent: list[tuple[Account, str, str]] = []
        self.status = AccountStatus(True, "Conta Correio ativa.", service_status="active", plan="Básico")
        self.asked: list[Account] = []

    def address(self, customer: Customer) -> str | None:
        return customer.email if "@" in customer.email else None

    def unreachable(self, customer: Customer) -> str:
        return "O cliente não tem e-mail."

    def send(self, account: Account, address: str, text: str) -> SendResult:
        self.sent.append((account, address, text))
        if self.answers:
            return self.answers.pop(0)
        return SendResult(Delivery.SENT, "E-mail aceito.", f"correio-{len(self.sent)}", "queued",
                          {"id": f"correio-{len(self.sent)}"})

    def account_status(self, account: Account) -> AccountStatus:
        self.asked.append(account)
        return self.status


class InMemoryGatewayConfigs:
    """The gateway settings store (``GatewaySettingsService``'s port) in memory."""

    def __init__(self, configs: Sequence[GatewayConfig] = ()) -> None:
        self.configs = list(configs)

    def all(self) -> list[GatewayConfig]:
        return self.configs

    def save(self, config: GatewayConfig) -> None:
        self.configs = [c for c in self.configs if c.gateway != config.gateway] + [config]

    def delete(self, gateway: str) -> bool:
        before = len(self.configs)
        self.configs = [c for c in self.configs if c.gateway != gateway]
        return len(self.configs) < before


# ------------------------------------------------------------ trust unlock
class InMemoryTrustStore:
    """Services' trust unlock state and the tick's list by end day, with DynamoTrustStore's conditions: an unlock is
    written only while the service is suspended, not unlocked and its month's count as read; an end only while the
    trust still ends that day and the service is (or is no longer) suspended as the caller read it."""

    def __init__(self) -> None:
        self.records: dict[int, TrustRecord] = {}
        self.ends: dict[int, TrustEnd] = {}
        self.events: list[dict[str, Any]] = []

    def suspend(self, service: Service, *invoice_ids: int) -> None:
        current = self.records.get(service.id)
        self.records[service.id] = TrustRecord(service, frozenset(invoice_ids),
                                               current.trusted_until if current else None,
                                               current.month if current else None, current.count if current else 0)

    def trust_of(self, service_id: int) -> TrustRecord | None:
        return self.records.get(service_id)

    def unlock(self, read: TrustRecord, until: date, month: str, count: int, event: Message) -> bool:
        stored = _outbox_rows([event])
        current = self.records.get(read.service.id)
        if (current is None or not current.suspended_by or current.trusted_until is not None
                or (current.month, current.count) != (read.month, read.count)):
            return False
        self.records[read.service.id] = replace(current, trusted_until=until, month=month, count=count)
        self.ends[read.service.id] = TrustEnd(read.service.id, read.service.customer_id, until)
        self.events += stored
        return True

    def ending_on(self, day: date) -> Iterator[TrustEnd]:
        return iter([e for e in self.ends.values() if e.until == day])

    def end(self, ending: TrustEnd, suspended: bool | None, events: Sequence[Message] = ()) -> bool:
        stored = _outbox_rows(events)
        listed = self.ends.get(ending.service_id)
        if listed is None or listed.until != ending.until:
            return False
        current = self.records[ending.service_id]
        if suspended is not None:
            if current.trusted_until != ending.until or bool(current.suspended_by) != suspended:
                return False
            self.records[ending.service_id] = replace(current, trusted_until=None)
        del self.ends[ending.service_id]
        self.events += stored
        return True
