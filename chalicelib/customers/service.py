"""Use cases of customers and services: register, add a service, change its suspension profile, search.

A service's suspension profile is counted on the profile (so that a profile in
use is never deleted): the store moves the profiles' counts in the same
transaction that writes the service, on the condition that the profile exists.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.customers.documents import normalize_document
from chalicelib.customers.model import (
    Customer,
    Holder,
    NewCustomer,
    NewService,
    Service,
    fold,
    matches_name,
    name_tokens,
    normalize_phone,
)
from chalicelib.errors import NotFoundError, ValidationError, require_found
from chalicelib.input_rules import is_digits
from chalicelib.ports import Sequences

SEARCH_KEYS = ("cpf_cnpj", "codigo_cliente", "id_cliente_servico", "nome_razaosocial", "telefone")
MAX_NAME_CANDIDATES = 1000  # bound on index entries read for one name search


class CustomerStore(Protocol):
    def add_customer(self, customer: Customer) -> None: ...
    def add_service(self, service: Service) -> None: ...
    def get_customer(self, customer_id: int) -> Customer | None: ...
    def get_customers(self, customer_ids: list[int]) -> list[Customer]: ...
    def customer_id_by_document(self, document: str) -> int | None: ...
    def customer_id_by_service(self, service_id: int) -> int | None: ...
    def get_service(self, service_id: int) -> Service | None: ...
    def customer_ids_by_phone(self, phone: str) -> list[int]: ...
    def customer_ids_by_name_word(self, prefix: str) -> Iterator[int]: ...
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
            phone=new.phone, email=new.email, created_at=now, services=services,
        )
        self._store.add_customer(customer)
        return customer

    def add_service(self, customer_id: int, new: NewService) -> Service:
        self._check_profiles((new,))
        customer = self.get(customer_id)
        service = self._new_service(customer_id, new, Holder(customer.code, customer.name, customer.document))
        self._store.add_service(service)  # conditional on the customer existing
        return service

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

    def get(self, customer_id: int) -> Customer:
        return require_found(self._store.get_customer(customer_id), f"Cliente de ID {customer_id} não encontrado")

    def search(self, key: str, term: str, limit: int) -> list[Customer]:
        """HubSoft's ``GET cliente?busca=<key>&termo_busca=<term>``; every key uses an index."""
        term = term.strip()
        if key == "cpf_cnpj":
            found = self._store.customer_id_by_document(normalize_document(term))
            return self._store.get_customers([found]) if found else []
        if key in ("codigo_cliente", "id_cliente_servico"):
            if not is_digits(term):
                raise ValidationError([f"O termo_busca deve ser numérico para busca por {key}."])
            if key == "codigo_cliente":
                customer = self._store.get_customer(int(term))
                return [customer] if customer else []
            owner = self._store.customer_id_by_service(int(term))
            return self._store.get_customers([owner]) if owner else []
        if key == "telefone":
            phone = normalize_phone(term)
            if phone is None:
                raise ValidationError(["O termo_busca não é um telefone válido (DDD + número)."])
            return self._store.get_customers(self._store.customer_ids_by_phone(phone)[:limit])
        if key == "nome_razaosocial":
            return self._search_name(term, limit)
        raise ValidationError([
            f"O campo busca selecionado é inválido. Valores aceitos: {', '.join(SEARCH_KEYS)}."
        ])

    def _search_name(self, term: str, limit: int) -> list[Customer]:
        words = name_tokens(term)
        if not words:
            raise ValidationError(["Informe ao menos uma palavra com 2 ou mais letras para buscar por nome."])
        # The longest word narrows the index the most; the others filter.
        anchor = max(words, key=len)
        found: list[Customer] = []
        seen: set[int] = set()
        candidates = islice(self._store.customer_ids_by_name_word(anchor), MAX_NAME_CANDIDATES)
        while len(found) < limit:
            chunk = list(islice(candidates, 50))
            if not chunk:
                break
            batch = [i for i in dict.fromkeys(chunk) if i not in seen]
            seen.update(batch)
            for customer in self._store.get_customers(batch):
                if matches_name(customer.name, words) and len(found) < limit:
                    found.append(customer)
        return sorted(found, key=lambda c: (fold(c.name), c.id))

    def _new_service(self, customer_id: int, new: NewService, holder: Holder) -> Service:
        return Service(
            id=self._sequences.next_id("cliente_servico"), customer_id=customer_id, name=new.name,
            amount_cents=new.amount_cents, address=new.address,
            suspension_profile_id=new.suspension_profile_id, created_at=self._clock(), holder=holder,
            profile_counted=new.suspension_profile_id is not None,
        )

    def _check_profiles(self, services: tuple[NewService, ...]) -> None:
        """A clear refusal before any id is drawn; the store's write is conditioned on the profiles existing."""
        for profile_id in sorted({s.suspension_profile_id for s in services if s.suspension_profile_id}):
            if self._profiles.description(profile_id) is None:
                raise NotFoundError(f"Perfil de suspensão de ID {profile_id} não encontrado")
