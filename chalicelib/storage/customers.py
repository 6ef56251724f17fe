"""Customers, services and their search entries (``customers`` table).

Keys:
- ``CUSTOMER#<id>`` / ``PROFILE``            the customer
- ``CUSTOMER#<id>`` / ``SERVICE#<id>``       its services (one query reads all)
- ``SERVICE#<id>`` / ``SERVICE``             a copy of the service, to read it by id in one call
- ``DOC#<cpf/cnpj>`` / ``DOC``               uniqueness claim and lookup
- ``PHONE#<digits>`` / ``CUSTOMER#<id>``     phone lookup
- ``NAME#<first 2 letters>`` / ``<word>#<id>`` name-word index (prefix queries)

A customer is written with all its entries in one transaction, so a search
never finds a half-written customer and a duplicate CPF/CNPJ never lands.
"""
from __future__ import annotations

from collections.abc import Iterator

from chalicelib.customers.model import SERVICE_SUSPENDED, Address, Customer, Holder, Service, name_tokens
from chalicelib.errors import BusinessRuleError, NotFoundError
from chalicelib.storage.binding import refusing
from chalicelib.storage.models import AddressMap, CustomerItem, CustomerRefItem, CustomerTableItem, ServiceItem

BATCH_GET_LIMIT = 100


class DynamoCustomerStore:
    def add_customer(self, customer: Customer) -> None:
        profile = CustomerItem(
            f"CUSTOMER#{customer.id}", "PROFILE", customer_id=customer.id, code=customer.code,
            name=customer.name, document=customer.document, phone=customer.phone, email=customer.email,
            created_at=customer.created_at,
        )
        claim = CustomerRefItem(f"DOC#{customer.document}", "DOC", customer_id=customer.id)
        with refusing("document", BusinessRuleError("Já existe um cliente cadastrado com este CPF/CNPJ.")) as txn:
            txn.save("document", claim, condition=CustomerRefItem.pk.does_not_exist())
            txn.save("profile", profile, condition=CustomerItem.pk.does_not_exist())
            txn.save("phone", CustomerRefItem(f"PHONE#{customer.phone}", f"CUSTOMER#{customer.id}",
                                              customer_id=customer.id))
            for word in name_tokens(customer.name):
                txn.save("name", CustomerRefItem(f"NAME#{word[:2]}", f"{word}#{customer.id:010d}",
                                                 customer_id=customer.id))
            for service in customer.services:
                for item in _service_items(service):
                    txn.save("service", item, condition=CustomerTableItem.pk.does_not_exist())

    def add_service(self, service: Service) -> None:
        with refusing("customer", NotFoundError(f"Cliente de ID {service.customer_id} não encontrado")) as txn:
            txn.condition_check("customer", CustomerItem, f"CUSTOMER#{service.customer_id}", "PROFILE",
                                condition=CustomerItem.pk.exists())
            for item in _service_items(service):
                txn.save("service", item, condition=CustomerTableItem.pk.does_not_exist())

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
            return service_from_item(ServiceItem.get(f"SERVICE#{service_id}", "SERVICE"))
        except ServiceItem.DoesNotExist:
            return None

    def customer_ids_by_phone(self, phone: str) -> list[int]:
        return [int(i.customer_id) for i in CustomerRefItem.query(f"PHONE#{phone}")]

    def customer_ids_by_name_word(self, prefix: str) -> Iterator[int]:
        for item in CustomerRefItem.query(f"NAME#{prefix[:2]}", CustomerRefItem.sk.startswith(prefix),
                                          page_size=BATCH_GET_LIMIT):
            yield int(item.customer_id)


def _service_items(service: Service) -> list[CustomerTableItem]:
    """The service in its customer's partition and its copy keyed by id."""
    return [_service_item(service, f"CUSTOMER#{service.customer_id}", f"SERVICE#{service.id:010d}"),
            _service_item(service, f"SERVICE#{service.id}", "SERVICE")]


def _service_item(service: Service, pk: str, sk: str) -> ServiceItem:
    address = service.address
    return ServiceItem(
        pk, sk, service_id=service.id,
        customer_id=service.customer_id, name=service.name, amount_cents=service.amount_cents,
        address=AddressMap(logradouro=address.logradouro, numero=address.numero, bairro=address.bairro,
                           cidade=address.cidade, uf=address.uf, cep=address.cep,
                           complemento=address.complemento),
        status=service.status, suspension_profile_id=service.suspension_profile_id,
        created_at=service.created_at,
        holder_code=service.holder.code if service.holder else None,
        holder_name=service.holder.name if service.holder else None,
        holder_document=service.holder.document if service.holder else None,
    )


def _ref(pk: str, sk: str) -> int | None:
    try:
        return int(CustomerRefItem.get(pk, sk).customer_id)
    except CustomerRefItem.DoesNotExist:
        return None


def service_from_item(item: ServiceItem) -> Service:
    a = item.address
    return Service(
        id=int(item.service_id), customer_id=int(item.customer_id), name=item.name,
        amount_cents=int(item.amount_cents),
        address=Address(logradouro=a.logradouro, numero=a.numero, bairro=a.bairro, cidade=a.cidade, uf=a.uf,
                        cep=a.cep, complemento=a.complemento or ""),
        status=SERVICE_SUSPENDED if item.suspended_by else item.status,
        suspension_profile_id=int(item.suspension_profile_id) if item.suspension_profile_id is not None else None,
        created_at=item.created_at,
        holder=Holder(int(item.holder_code), item.holder_name or "", item.holder_document or "")
        if item.holder_code is not None else None,
    )


def customer_from_item(item: CustomerItem, services: list[Service]) -> Customer:
    return Customer(
        id=int(item.customer_id), code=int(item.code), name=item.name, document=item.document,
        phone=item.phone, email=item.email or "", created_at=item.created_at,
        services=tuple(sorted(services, key=lambda s: s.id)),
    )
