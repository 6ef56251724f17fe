"""Customers, services and their search entries (``customers`` table).

Keys:
- ``CUSTOMER#<id>`` / ``PROFILE``            the customer
- ``CUSTOMER#<id>`` / ``SERVICE#<id>``       its services (one query reads all)
- ``SERVICE#<id>`` / ``SERVICE``             a copy of the service, to read it by id in one call
- ``DOC#<cpf/cnpj>`` / ``DOC``               uniqueness claim and lookup
- ``PHONE#<digits>`` / ``CUSTOMER#<id>``     phone lookup (primary, secondary and tertiary phones)
- ``NAME#<first 2 letters>`` / ``<word>#<id>`` name-word index (prefix queries)
- ``TRADE#<first 2 letters>`` / ``<word>#<id>`` the same for the trade name (``nome_fantasia``)
- ``LOGIN#<lower-case login>`` / ``LOGIN``   a service's login: uniqueness claim and lookup

A customer is written with all its entries in one transaction, so a search
never finds a half-written customer and a duplicate CPF/CNPJ or login never
lands. A change of the registration (``update_customer``) or of a service
(``update_service``) is one transaction too: the item on the condition that
its ``version`` is as read, the search entries that changed (old ones
deleted, new ones put), and for a new login its claim (refused if taken).

A service with a suspension profile is counted on the profile's item (the
``settings`` table, ``SuspensionProfileItem.service_count``) in the same
transaction that creates it or changes its profile, on the condition that the
profile exists: a profile's delete, conditioned on a zero count, and an
assignment of it can never both succeed. ``profile_counted`` on the service
says its profile counts it (services from before the count: absent).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from pynamodb.attributes import NumberAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.customers.model import (
    SERVICE_SUSPENDED,
    Address,
    Customer,
    Holder,
    Service,
    login_key,
    name_tokens,
)
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError
from chalicelib.storage.binding import LabelledTransaction, commit_labelled
from chalicelib.storage.models import (
    AddressMap,
    CustomerItem,
    CustomerRefItem,
    CustomerTableItem,
    ServiceItem,
    SettingsItem,
    SuspensionProfileItem,
)
from chalicelib.storage.settings import profile_item

BATCH_GET_LIMIT = 100


@dataclass(frozen=True)
class ProfileUse:
    """The label of a suspension profile's count in a transaction."""

    profile_id: int


@dataclass(frozen=True)
class LoginClaim:
    """The label of a login's claim in a transaction."""

    login: str


Label = str | ProfileUse | LoginClaim
DUPLICATE_DOCUMENT = "Já existe um cliente cadastrado com este CPF/CNPJ."
SERVICE_CHANGED = "O serviço foi alterado por outra requisição; consulte-o e tente de novo."
CUSTOMER_CHANGED = "O cliente foi alterado por outra requisição; consulte-o e tente de novo."


def duplicate_login(login: str) -> str:
    return f"O login {login} já está em uso por outro serviço."


class DynamoCustomerStore:
    def add_customer(self, customer: Customer) -> None:
        profile = _customer_item(customer)
        claim = CustomerRefItem(f"DOC#{customer.document}", "DOC", customer_id=customer.id)

        def write(txn: LabelledTransaction[Label]) -> None:
            txn.save("document", claim, condition=CustomerRefItem.pk.does_not_exist())
            txn.save("customer", profile, condition=CustomerItem.pk.does_not_exist())
            for ref in _search_refs(customer).values():
                txn.save("search", ref)
            for service in customer.services:
                for item in _service_items(service):
                    txn.save("service", item, condition=CustomerTableItem.pk.does_not_exist())
                if service.login:
                    _claim_login(txn, service)
            _count_on_profiles(txn, customer.services)

        failed = commit_labelled(write)
        if "document" in failed:
            raise BusinessRuleError(DUPLICATE_DOCUMENT)
        _refuse(failed)

    def update_customer(self, current: Customer, updated: Customer) -> None:
        old_refs, new_refs = _search_refs(current), _search_refs(updated)
        renamed = current.name != updated.name or current.code != updated.code

        def write(txn: LabelledTransaction[Label]) -> None:
            txn.update("customer", CustomerItem(f"CUSTOMER#{current.id}", "PROFILE"),
                       actions=_registration_actions(updated),
                       condition=_version_as(CustomerItem.version, current.version))
            for key in old_refs.keys() - new_refs.keys():
                txn.delete("search", CustomerRefItem(*key))
            for key in new_refs.keys() - old_refs.keys():
                txn.save("search", new_refs[key])
            if renamed:
                # The services' copy of their holder (customers.model.Holder) follows the name.
                for service in current.services:
                    _set_on_service_copies(txn, service, [ServiceItem.holder_name.set(updated.name)])

        failed = commit_labelled(write)
        if "customer" in failed:
            raise ConflictError(CUSTOMER_CHANGED)
        if "service" in failed or "copy" in failed:
            raise ConflictError(CUSTOMER_CHANGED)  # a service went away meanwhile (none is deleted today)
        _refuse(failed)

    def update_service(self, current: Service, updated: Service) -> None:
        def write(txn: LabelledTransaction[Label]) -> None:
            actions = _editable_actions(updated)
            txn.update("service", ServiceItem(f"SERVICE#{current.id}", "SERVICE"), actions=actions,
                       condition=_version_as(ServiceItem.version, current.version))
            txn.update("copy", ServiceItem(f"CUSTOMER#{current.customer_id}", f"SERVICE#{current.id:010d}"),
                       actions=actions, condition=ServiceItem.pk.exists())
            if login_key(current.login) != login_key(updated.login):
                if current.login:
                    txn.delete("release", CustomerRefItem(f"LOGIN#{login_key(current.login)}", "LOGIN"),
                               condition=CustomerRefItem.service_id == current.id)
                if updated.login:
                    _claim_login(txn, updated)

        failed = commit_labelled(write)
        if "service" in failed or "copy" in failed or "release" in failed:
            raise ConflictError(SERVICE_CHANGED)
        _refuse(failed)

    def customer_id_by_login(self, login: str) -> int | None:
        return _ref(f"LOGIN#{login_key(login)}", "LOGIN")

    def customer_ids_by_trade_word(self, prefix: str) -> Iterator[int]:
        for item in CustomerRefItem.query(f"TRADE#{prefix[:2]}", CustomerRefItem.sk.startswith(prefix),
                                          page_size=BATCH_GET_LIMIT):
            yield int(item.customer_id)

    def add_service(self, service: Service) -> None:
        def write(txn: LabelledTransaction[Label]) -> None:
            txn.condition_check("customer", CustomerItem, f"CUSTOMER#{service.customer_id}", "PROFILE",
                                condition=CustomerItem.pk.exists())
            for item in _service_items(service):
                txn.save("service", item, condition=CustomerTableItem.pk.does_not_exist())
            _count_on_profiles(txn, (service,))

            if service.login:
                _claim_login(txn, service)

        failed = commit_labelled(write)
        if "customer" in failed:
            raise NotFoundError(f"Cliente de ID {service.customer_id} não encontrado")
        _refuse(failed)

    def change_profile(self, current: Service, profile_id: int, uncount: int | None) -> None:
        def write(txn: LabelledTransaction[Label]) -> None:
            _set_on_service(txn, current, [ServiceItem.suspension_profile_id.set(profile_id),
                                           ServiceItem.profile_counted.set(True)])
            _count(txn, profile_id, 1)
            if uncount is not None:
                # Never below zero: a counted service is on its profile's count (a failure here is a bug).
                txn.update("uncount", profile_item(uncount), actions=[SuspensionProfileItem.service_count.add(-1)],
                           condition=SettingsItem.pk.exists() & (SuspensionProfileItem.service_count > 0))

        failed = commit_labelled(write)
        if "service" in failed:
            raise ConflictError(SERVICE_CHANGED)
        _refuse(failed)

    def uncounted_services(self) -> Iterator[Service]:
        uncounted = ((ServiceItem.sk == "SERVICE") & ServiceItem.suspension_profile_id.exists()
                     & ServiceItem.profile_counted.does_not_exist())
        for item in ServiceItem.scan(filter_condition=uncounted, consistent_read=True):
            yield service_from_item(item)

    def count_profile(self, service: Service) -> bool:
        profile_id = service.suspension_profile_id
        assert profile_id is not None and not service.profile_counted

        def write(txn: LabelledTransaction[Label]) -> None:
            _set_on_service(txn, service, [ServiceItem.profile_counted.set(True)])
            _count(txn, profile_id, 1)

        failed = commit_labelled(write)
        if "service" in failed:
            return False
        _refuse(failed)
        return True

    def get_customer(self, customer_id: int) -> Customer | None:
        profile: CustomerItem | None = None
        services: list[Service] = []
        # A query on the customer's partition returns the profile and services together.
        for item in CustomerTableItem.query(f"CUSTOMER#{customer_id}", consistent_read=True):
            if isinstance(item, CustomerItem):
                profile = item
            elif isinstance(item, ServiceItem):
                services.append(service_from_item(item))
        if profile is None:
            return None
        return customer_from_item(profile, services)

    def get_customers(self, customer_ids: list[int]) -> list[Customer]:
        # One query per customer (profile + services); the callers cap the count.
        found = [self.get_customer(i) for i in dict.fromkeys(customer_ids)]
        return [c for c in found if c is not None]

    def customer_id_by_document(self, document: str) -> int | None:
        return _ref(f"DOC#{document}", "DOC")

    def customer_id_by_service(self, service_id: int) -> int | None:
        found = self.get_service(service_id)
        return found.customer_id if found else None

    def get_service(self, service_id: int) -> Service | None:
        try:
            return service_from_item(ServiceItem.get(f"SERVICE#{service_id}", "SERVICE", consistent_read=True))
        except ServiceItem.DoesNotExist:
            return None

    def customer_ids_by_phone(self, phone: str) -> list[int]:
        return [int(i.customer_id) for i in CustomerRefItem.query(f"PHONE#{phone}")]

    def customer_ids_by_name_word(self, prefix: str) -> Iterator[int]:
        for item in CustomerRefItem.query(f"NAME#{prefix[:2]}", CustomerRefItem.sk.startswith(prefix),
                                          page_size=BATCH_GET_LIMIT):
            yield int(item.customer_id)


def _count_on_profiles(txn: LabelledTransaction[Label], services: Iterable[Service]) -> None:
    """Count new services on their profiles: one change per profile (a transaction names an item once)."""
    uses = Counter(s.suspension_profile_id for s in services if s.suspension_profile_id is not None
                   and s.profile_counted)
    for profile_id, count in sorted(uses.items()):
        _count(txn, profile_id, count)


def _count(txn: LabelledTransaction[Label], profile_id: int, count: int) -> None:
    """Add ``count`` services to the profile's count if the profile exists (an update would create it)."""
    txn.update(ProfileUse(profile_id), profile_item(profile_id),
               actions=[SuspensionProfileItem.service_count.add(count)], condition=SettingsItem.pk.exists())


def _customer_item(customer: Customer) -> CustomerItem:
    return CustomerItem(
        f"CUSTOMER#{customer.id}", "PROFILE", customer_id=customer.id, code=customer.code,
        name=customer.name, document=customer.document, phone=customer.phone, email=customer.email,
        created_at=customer.created_at, trade_name=customer.trade_name or None, phone2=customer.phone2 or None,
        phone3=customer.phone3 or None, email2=customer.email2 or None, rg=customer.rg or None,
        birth_date=customer.birth_date.isoformat() if customer.birth_date else None,
        version=customer.version or None,
    )


def _registration_actions(customer: Customer) -> list[Action]:
    """Set ``PUT cliente/{id}``'s fields (removing the cleared optional ones) and the next version."""
    item = _customer_item(customer)
    actions: list[Action] = [CustomerItem.name.set(customer.name), CustomerItem.phone.set(customer.phone),
                             CustomerItem.email.set(customer.email)]
    for attribute in (CustomerItem.trade_name, CustomerItem.phone2, CustomerItem.phone3, CustomerItem.email2,
                      CustomerItem.rg, CustomerItem.birth_date):
        value = getattr(item, attribute.attr_name)
        actions.append(attribute.set(value) if value else attribute.remove())
    actions.append(CustomerItem.version.set(customer.version))
    return actions


def _search_refs(customer: Customer) -> dict[tuple[str, str], CustomerRefItem]:
    """The customer's search entries by key: its phones, the words of its name and trade name."""
    entries = [(f"PHONE#{phone}", f"CUSTOMER#{customer.id}") for phone in customer.phones]
    entries += [(f"NAME#{word[:2]}", f"{word}#{customer.id:010d}") for word in name_tokens(customer.name)]
    entries += [(f"TRADE#{word[:2]}", f"{word}#{customer.id:010d}") for word in name_tokens(customer.trade_name)]
    return {key: CustomerRefItem(*key, customer_id=customer.id) for key in entries}


def _claim_login(txn: LabelledTransaction[Label], service: Service) -> None:
    txn.save(LoginClaim(service.login),
             CustomerRefItem(f"LOGIN#{login_key(service.login)}", "LOGIN", customer_id=service.customer_id,
                             service_id=service.id),
             condition=CustomerRefItem.pk.does_not_exist())


def _version_as(attribute: NumberAttribute, version: int) -> Condition:
    return attribute == version if version else attribute.does_not_exist()


def _editable_actions(service: Service) -> list[Action]:
    """Set ``PUT cliente_servico/{id}``'s fields (removing the cleared ones) and the next version."""
    texts = ((ServiceItem.login, service.login), (ServiceItem.technology, service.technology),
             (ServiceItem.reference, service.reference))
    actions: list[Action] = [attribute.set(value) if value else attribute.remove() for attribute, value in texts]
    addresses = ((ServiceItem.registration_address, service.registration_address),
                 (ServiceItem.billing_address, service.billing_address),
                 (ServiceItem.fiscal_address, service.fiscal_address))
    actions += [attribute.set(_address_map(value)) if value else attribute.remove() for attribute, value in addresses]
    actions.append(ServiceItem.version.set(service.version))
    return actions


def _set_on_service_copies(txn: LabelledTransaction[Label], service: Service, actions: list[Action]) -> None:
    """Change both copies of the service, on the condition that they exist (an update would create them)."""
    txn.update("service", ServiceItem(f"SERVICE#{service.id}", "SERVICE"), actions=actions,
               condition=ServiceItem.pk.exists())
    txn.update("copy", ServiceItem(f"CUSTOMER#{service.customer_id}", f"SERVICE#{service.id:010d}"),
               actions=actions, condition=ServiceItem.pk.exists())


def _set_on_service(txn: LabelledTransaction[Label], service: Service, actions: list[Action]) -> None:
    """Change both copies of the service, if its profile and count are still as read."""
    txn.update("service", ServiceItem(f"SERVICE#{service.id}", "SERVICE"), actions=actions,
               condition=_profile_as(service))
    txn.update("copy", ServiceItem(f"CUSTOMER#{service.customer_id}", f"SERVICE#{service.id:010d}"),
               actions=actions, condition=ServiceItem.pk.exists())


def _profile_as(service: Service) -> Condition:
    profile = (ServiceItem.suspension_profile_id == service.suspension_profile_id
               if service.suspension_profile_id is not None else ServiceItem.suspension_profile_id.does_not_exist())
    counted = (ServiceItem.profile_counted == True  # noqa: E712 - a DynamoDB condition, not a test
               if service.profile_counted else ServiceItem.profile_counted.does_not_exist())
    return profile & counted


def _refuse(failed: Sequence[Label]) -> None:
    """The domain's error for the labels whose condition failed (none: written)."""
    missing = [label.profile_id for label in failed if isinstance(label, ProfileUse)]
    if missing:
        raise NotFoundError(f"Perfil de suspensão de ID {missing[0]} não encontrado")
    taken = [label.login for label in failed if isinstance(label, LoginClaim)]
    if taken:
        raise BusinessRuleError(duplicate_login(taken[0]))
    if failed:
        raise RuntimeError(f"condições de escrita do cliente falharam: {list(failed)}")


def _service_items(service: Service) -> list[CustomerTableItem]:
    """The service in its customer's partition and its copy keyed by id."""
    return [_service_item(service, f"CUSTOMER#{service.customer_id}", f"SERVICE#{service.id:010d}"),
            _service_item(service, f"SERVICE#{service.id}", "SERVICE")]


def _address_map(address: Address) -> AddressMap:
    return AddressMap(logradouro=address.logradouro, numero=address.numero, bairro=address.bairro,
                      cidade=address.cidade, uf=address.uf, cep=address.cep, complemento=address.complemento)


def _address(a: AddressMap | None) -> Address | None:
    if a is None:
        return None
    return Address(logradouro=a.logradouro, numero=a.numero, bairro=a.bairro, cidade=a.cidade, uf=a.uf, cep=a.cep,
                   complemento=a.complemento or "")


def _service_item(service: Service, pk: str, sk: str) -> ServiceItem:
    return ServiceItem(
        pk, sk, service_id=service.id,
        customer_id=service.customer_id, name=service.name, amount_cents=service.amount_cents,
        address=_address_map(service.address),
        status=service.status, suspension_profile_id=service.suspension_profile_id,
        created_at=service.created_at,
        holder_code=service.holder.code if service.holder else None,
        holder_name=service.holder.name if service.holder else None,
        holder_document=service.holder.document if service.holder else None,
        profile_counted=True if service.profile_counted else None,
        login=service.login or None, technology=service.technology or None, reference=service.reference or None,
        registration_address=_address_map(service.registration_address) if service.registration_address else None,
        billing_address=_address_map(service.billing_address) if service.billing_address else None,
        fiscal_address=_address_map(service.fiscal_address) if service.fiscal_address else None,
        version=service.version or None,
    )


def _ref(pk: str, sk: str) -> int | None:
    try:
        return int(CustomerRefItem.get(pk, sk).customer_id)
    except CustomerRefItem.DoesNotExist:
        return None


def service_from_item(item: ServiceItem) -> Service:
    address = _address(item.address)
    assert address is not None
    return Service(
        id=int(item.service_id), customer_id=int(item.customer_id), name=item.name,
        amount_cents=int(item.amount_cents), address=address,
        # Suspended while an open invoice keeps it so, unless unlocked in trust (which payment makes moot).
        status=SERVICE_SUSPENDED if item.suspended_by and not item.trusted_until else item.status,
        suspension_profile_id=int(item.suspension_profile_id) if item.suspension_profile_id is not None else None,
        created_at=item.created_at,
        holder=Holder(int(item.holder_code), item.holder_name or "", item.holder_document or "")
        if item.holder_code is not None else None,
        profile_counted=bool(item.profile_counted),
        login=item.login or "", technology=item.technology or "", reference=item.reference or "",
        registration_address=_address(item.registration_address), billing_address=_address(item.billing_address),
        fiscal_address=_address(item.fiscal_address), version=int(item.version or 0),
        trusted_until=date.fromisoformat(item.trusted_until) if item.suspended_by and item.trusted_until else None,
    )


def customer_from_item(item: CustomerItem, services: list[Service]) -> Customer:
    return Customer(
        id=int(item.customer_id), code=int(item.code), name=item.name, document=item.document,
        phone=item.phone, email=item.email or "", created_at=item.created_at,
        services=tuple(sorted(services, key=lambda s: s.id)),
        trade_name=item.trade_name or "", phone2=item.phone2 or "", phone3=item.phone3 or "",
        email2=item.email2 or "", rg=item.rg or "",
        birth_date=date.fromisoformat(item.birth_date) if item.birth_date else None, version=int(item.version or 0),
    )
