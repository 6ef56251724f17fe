"""Use cases of customers and services: register, add a service, change its suspension profile, edit the
registration and a service's fields, search.

A service's suspension profile is counted on the profile (so that a profile in
use is never deleted): the store moves the profiles' counts in the same
transaction that writes the service, on the condition that the profile exists.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import Protocol, TypeVar

from chalicelib.clock import Clock
from chalicelib.customers.documents import normalize_document
from chalicelib.customers.model import (
    Customer,
    CustomerChanges,
    Holder,
    NewCustomer,
    NewService,
    Service,
    ServiceChanges,
    fold,
    matches_name,
    name_tokens,
    normalize_phone,
)
from chalicelib.errors import NotFoundError, ValidationError, require_found
from chalicelib.input_rules import is_digits
from chalicelib.ports import Sequences

# HubSoft's keys we hold data for (``nome`` is ours: the same as ``nome_razaosocial``; ``login`` the same as
# ``login_radius``); its ``ipv4`` and ``mac`` are network data we do not keep (NETWORK_KEYS: refused, saying so).
SEARCH_KEYS = ("cpf_cnpj", "codigo_cliente", "id_cliente_servico", "nome_razaosocial", "nome", "nome_fantasia",
               "telefone", "login_radius", "login")
NETWORK_KEYS = ("ipv4", "mac")
MAX_NAME_CANDIDATES = 1000  # bound on index entries read for one name search


class CustomerStore(Protocol):
    def add_customer(self, customer: Customer) -> None: ...
    def add_service(self, service: Service) -> None: ...
    def get_customer(self, customer_id: int) -> Customer | None: ...
    def get_customers(self, customer_ids: list[int]) -> list[Customer]: ...
    def customer_id_by_document(self, document: str) -> int | None: ...
    def customer_id_by_service(self, service_id: int) -> int | None: ...
    def get_service(self, service_id: int) -> Service | None: ...
    def get_services(self, service_ids: Iterable[int]) -> dict[int, Service]: ...
    def customer_ids_by_phone(self, phone: str) -> list[int]: ...
    def customer_ids_by_name_word(self, prefix: str) -> Iterator[int]: ...
    def customer_ids_by_trade_word(self, prefix: str) -> Iterator[int]: ...
    def customer_id_by_login(self, login: str) -> int | None: ...
    def update_customer(self, current: Customer, updated: Customer) -> None:
        """Write ``updated`` (its registration fields and search entries) if the customer is still at
        ``current.version`` (else ConflictError); a new name goes to its services' holder copies too."""
        ...
    def update_service(self, current: Service, updated: Service) -> None:
        """Write ``updated``'s editable fields if the service is still at ``current.version`` (else
        ConflictError), moving the login's claim (BusinessRuleError when another service holds the login)."""
        ...
    def change_profile(self, current: Service, profile_id: int, uncount: int | None) -> None:
        """Give the service (as read: refused with ConflictError if it changed since) the profile ``profile_id``
        (counted on it; NotFoundError when it does not exist) and take it off ``uncount``'s count."""
        ...
    def uncounted_services(self) -> Iterator[Service]:
        """Services with a profile they are not counted on (chosen before the count was kept). Reads the whole
        table: for ``ops count-profile-usage`` only, never a request path."""
        ...
    def count_profile(self, service: Service) -> bool:
        """Count the service (as read, not counted) on its profile (NotFoundError when it does not exist);
        False when the service changed since (whoever changed it counted it)."""
        ...


class SuspensionProfileLookup(Protocol):
    def description(self, profile_id: int) -> str | None: ...


@dataclass(frozen=True)
class ProfileUsageCount:
    """What ``count_profile_usage`` did: services counted now, and those whose profile does not exist."""

    counted: int
    missing_profile: tuple[int, ...]


class CustomerService:
    def __init__(
        self, store: CustomerStore, sequences: Sequences, clock: Clock, profiles: SuspensionProfileLookup
    ) -> None:
        self._store = store
        self._sequences = sequences
        self._clock = clock
        self._profiles = profiles

    def register(self, new: NewCustomer) -> Customer:
        """Create a customer with its services in one transaction.

        The CPF/CNPJ is unique: the store's conditional write refuses a second
        customer with the same document, even when two requests race.
        """
        self._check_profiles(new.services)
        now = self._clock()
        customer_id = self._sequences.next_id("cliente")
        holder = Holder(code=customer_id, name=new.name, document=new.document)
        services = tuple(self._new_service(customer_id, s, holder) for s in new.services)
        customer = Customer(
            id=customer_id, code=customer_id, name=new.name, document=new.document,
            phone=new.phone, email=new.email, created_at=now, services=services, trade_name=new.trade_name,
            phone2=new.phone2, phone3=new.phone3, email2=new.email2, rg=new.rg, birth_date=new.birth_date,
        )
        self._store.add_customer(customer)
        return customer

    def add_service(self, customer_id: int, new: NewService) -> Service:
        self._check_profiles((new,))
        customer = self.get(customer_id)
        service = self._new_service(customer_id, new, Holder(customer.code, customer.name, customer.document))
        self._store.add_service(service)  # conditional on the customer existing
        return service

    def update(self, customer_id: int, changes: CustomerChanges) -> Customer:
        """Change the registration fields given (``PUT cliente/{id}``); the CPF/CNPJ and code never change.
        One conditional write: a concurrent change is refused (ConflictError), never overwritten."""
        current = self.get(customer_id)
        updated = _changed(current, changes)
        if updated is None:
            return current
        self._store.update_customer(current, updated)
        holder = Holder(updated.code, updated.name, updated.document)
        return replace(updated, services=tuple(replace(s, holder=holder) for s in updated.services))

    def update_service(self, service_id: int, changes: ServiceChanges) -> Service:
        """Change the service's login, technology, reference or addresses (``PUT cliente_servico/{id}``).
        A login held by another service is refused; a concurrent change too (ConflictError)."""
        current = self.service(service_id)
        updated = _changed(current, changes)
        if updated is None:
            return current
        self._store.update_service(current, updated)
        return updated

    def change_profile(self, service_id: int, profile_id: int) -> tuple[Service, str]:
        """Move a service to another suspension profile: the service and both profiles' counts in one write.
        Returns the service and the profile's description.

        Only invoices created afterwards take the new profile's days; the open ones keep the warning and
        suspension days they were given when created (billing.suspension), and a suspension stays until its
        invoice is paid or cancelled.
        """
        current = self.service(service_id)
        description = require_found(self._profiles.description(profile_id),
                                    f"Perfil de suspensão de ID {profile_id} não encontrado")
        if current.suspension_profile_id == profile_id and current.profile_counted:
            return current, description
        # A service not counted on its old profile (chosen before the count was kept) takes nothing off it.
        uncount = current.suspension_profile_id if current.profile_counted else None
        self._store.change_profile(current, profile_id, uncount)
        return replace(current, suspension_profile_id=profile_id, profile_counted=True), description

    def count_profile_usage(self) -> ProfileUsageCount:
        """One-off, after deploying the usage count (``ops count-profile-usage``): count every service whose
        profile was chosen before. Safe to repeat and to run while the API is in use (each service is counted
        once, by a write conditioned on it being uncounted)."""
        counted = 0
        missing: list[int] = []
        for service in self._store.uncounted_services():
            try:
                counted += self._store.count_profile(service)
            except NotFoundError:
                missing.append(service.id)  # follows the default profile until given an existing one
        return ProfileUsageCount(counted, tuple(missing))

    def service(self, service_id: int) -> Service:
        """A customer's service (cliente_servico) by its id."""
        return require_found(self._store.get_service(service_id),
                             f"Serviço de cliente de ID {service_id} não encontrado")

    def services(self, service_ids: Iterable[int]) -> dict[int, Service]:
        """The services found among ``service_ids``, by id (batched reads, for lists)."""
        return self._store.get_services(service_ids)

    def get(self, customer_id: int) -> Customer:
        return require_found(self._store.get_customer(customer_id), f"Cliente de ID {customer_id} não encontrado")

    def search(self, key: str, term: str, limit: int) -> list[Customer]:
        """HubSoft's ``GET cliente?busca=<key>&termo_busca=<term>``; every key uses an index."""
        term = term.strip()
        if key in NETWORK_KEYS:
            raise ValidationError([f"Busca por {key} não disponível nesta instalação: não guardamos dados de rede "
                                   "(IP, MAC, conexões)."])
        if key in ("nome_razaosocial", "nome", "nome_fantasia"):
            return self._search_name(term, limit, trade=key == "nome_fantasia")
        if key in ("codigo_cliente", "id_cliente_servico") and not is_digits(term):
            raise ValidationError([f"O termo_busca deve ser numérico para busca por {key}."])
        if key == "telefone":
            phone = normalize_phone(term)
            if phone is None:
                raise ValidationError(["O termo_busca não é um telefone válido (DDD + número)."])
            return self._store.get_customers(self._store.customer_ids_by_phone(phone)[:limit])
        found = self._one_by(key, term)
        return self._store.get_customers([found]) if found else []

    def _one_by(self, key: str, term: str) -> int | None:
        """The customer a unique key names (None: no such customer)."""
        if key == "cpf_cnpj":
            return self._store.customer_id_by_document(normalize_document(term))
        if key == "codigo_cliente":
            return int(term)  # the code is the id; get_customers skips a missing one
        if key == "id_cliente_servico":
            return self._store.customer_id_by_service(int(term))
        if key in ("login_radius", "login"):
            return self._store.customer_id_by_login(term)
        raise ValidationError([
            f"O campo busca selecionado é inválido. Valores aceitos: {', '.join(SEARCH_KEYS)}."
        ])

    def _search_name(self, term: str, limit: int, *, trade: bool) -> list[Customer]:
        words = name_tokens(term)
        if not words:
            raise ValidationError(["Informe ao menos uma palavra com 2 ou mais letras para buscar por nome."])
        # The longest word narrows the index the most; the others filter.
        anchor = max(words, key=len)
        index = self._store.customer_ids_by_trade_word if trade else self._store.customer_ids_by_name_word
        found: list[Customer] = []
        seen: set[int] = set()
        candidates = islice(index(anchor), MAX_NAME_CANDIDATES)
        while len(found) < limit:
            chunk = list(islice(candidates, 50))
            if not chunk:
                break
            batch = [i for i in dict.fromkeys(chunk) if i not in seen]
            seen.update(batch)
            for customer in self._store.get_customers(batch):
                if matches_name(customer.trade_name if trade else customer.name, words) and len(found) < limit:
                    found.append(customer)
        return sorted(found, key=lambda c: (fold(c.trade_name if trade else c.name), c.id))

    def _new_service(self, customer_id: int, new: NewService, holder: Holder) -> Service:
        return Service(
            id=self._sequences.next_id("cliente_servico"), customer_id=customer_id, name=new.name,
            amount_cents=new.amount_cents, address=new.address,
            suspension_profile_id=new.suspension_profile_id, created_at=self._clock(), holder=holder,
            profile_counted=new.suspension_profile_id is not None, login=new.login, technology=new.technology,
            reference=new.reference, registration_address=new.registration_address,
            billing_address=new.billing_address, fiscal_address=new.fiscal_address,
        )

    def _check_profiles(self, services: tuple[NewService, ...]) -> None:
        """A clear refusal before any id is drawn; the store's write is conditioned on the profiles existing."""
        for profile_id in sorted({s.suspension_profile_id for s in services if s.suspension_profile_id}):
            if self._profiles.description(profile_id) is None:
                raise NotFoundError(f"Perfil de suspensão de ID {profile_id} não encontrado")


_Versioned = TypeVar("_Versioned", Customer, Service)


def _changed(current: _Versioned, changes: CustomerChanges | ServiceChanges) -> _Versioned | None:
    """``current`` with the fields ``changes`` gives (None leaves one as it is) and the next version; None when
    nothing would change (no write, no version bump)."""
    given = {name: value for name, value in vars(changes).items() if value is not None}
    updated = replace(current, **given)
    return None if updated == current else replace(updated, version=current.version + 1)
