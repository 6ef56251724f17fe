from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from chalicelib.customers.model import (
    Address,
    CustomerChanges,
    Holder,
    NewCustomer,
    NewService,
    ServiceChanges,
    matches_name,
    name_tokens,
    normalize_phone,
)
from chalicelib.customers.service import CustomerService
from chalicelib.errors import BusinessRuleError, ConflictError, NotFoundError, ValidationError
from tests.conftest import MutableClock
from tests.fakes import InMemoryCustomerStore, InMemorySequences, Profiles

ADDRESS = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")


@pytest.fixture
def customers(clock: MutableClock) -> CustomerService:
    return CustomerService(InMemoryCustomerStore(), InMemorySequences(), clock, Profiles(7))


def new(name: str = "Maria da Silva", document: str = "52998224725", phone: str = "11987654321",
        services: tuple[NewService, ...] = (), **details: Any) -> NewCustomer:
    return NewCustomer(name=name, document=document, phone=phone, email="", services=services, **details)


def test_register_numbers_customers_and_services(customers: CustomerService) -> None:
    first = customers.register(new(services=(NewService("Fibra", 9990, ADDRESS),)))
    second = customers.register(new("João", "11144477735"))
    assert (first.id, first.code, second.id) == (1, 1, 2)
    assert first.services[0].id == 1 and first.services[0].amount_cents == 9990
    # the service carries its customer, so an OS opened for it needs no second read
    assert first.services[0].holder == Holder(code=1, name=first.name, document=first.document)
    added = customers.add_service(second.id, NewService("Fibra", 9990, ADDRESS))
    assert added.holder == Holder(code=2, name="João", document="11144477735")


def test_duplicate_document_is_refused(customers: CustomerService) -> None:
    customers.register(new())
    with pytest.raises(BusinessRuleError, match="CPF/CNPJ"):
        customers.register(new("Outra Maria"))


def test_unknown_suspension_profile_is_refused(customers: CustomerService) -> None:
    with pytest.raises(NotFoundError, match="Perfil de suspensão de ID 3"):
        customers.register(new(services=(NewService("Fibra", 9990, ADDRESS, suspension_profile_id=3),)))
    assert customers.register(new(services=(NewService("Fibra", 9990, ADDRESS, suspension_profile_id=7),)))


def test_add_service_to_unknown_customer_is_refused(customers: CustomerService) -> None:
    with pytest.raises(NotFoundError, match="Cliente de ID 42"):
        customers.add_service(42, NewService("Fibra", 9990, ADDRESS))


@pytest.mark.parametrize("key, term", [
    ("cpf_cnpj", "529.982.247-25"),
    ("codigo_cliente", "1"),
    ("id_cliente_servico", "1"),
    ("telefone", "+55 (11) 98765-4321"),
    ("nome_razaosocial", "silva mar"),
    ("nome_razaosocial", "MARÍA"),
    ("nome", "maria silva"),
    ("nome_fantasia", "mercadinho"),
    ("telefone", "11 3232-1010"),
    ("login_radius", "MARIA.SILVA"),
    ("login", "maria.silva"),
])
def test_search_finds_by_each_hubsoft_key(customers: CustomerService, key: str, term: str) -> None:
    customers.register(new(services=(NewService("Fibra", 9990, ADDRESS, login="Maria.Silva"),),
                           trade_name="Mercadinho da Maria", phone2="1132321010"))
    customers.register(new("José Pereira", "11144477735", "1932221111"))
    assert [c.name for c in customers.search(key, term, 5)] == ["Maria da Silva"]


def test_search_by_name_respects_limit_and_orders_by_name(customers: CustomerService) -> None:
    for i, document in enumerate(["52998224725", "11144477735", "12345678909"]):
        customers.register(new(f"Cliente {'CBA'[i]} Souza", document))
    found = [c.name for c in customers.search("nome_razaosocial", "souza", 2)]
    assert len(found) == 2 and found == sorted(found)
    assert [c.name for c in customers.search("nome_razaosocial", "souza", 5)] == [
        "Cliente A Souza", "Cliente B Souza", "Cliente C Souza"]


@pytest.mark.parametrize("key, term", [("codigo_cliente", "abc"), ("telefone", "123"), ("nome_razaosocial", "a"),
                                           ("ipv4", "10.0.0.1"), ("mac", "aa:bb"), ("outro", "x")])
def test_search_refuses_bad_terms(customers: CustomerService, key: str, term: str) -> None:
    with pytest.raises(ValidationError):
        customers.search(key, term, 5)


def test_search_with_no_match_is_empty(customers: CustomerService) -> None:
    assert customers.search("cpf_cnpj", "11144477735", 5) == []


def test_name_tokens_fold_accents_and_drop_stop_words() -> None:
    assert name_tokens("Conceição da Silva & Filhos LTDA") == ["conceicao", "silva", "filhos", "ltda"]
    assert matches_name("José da Conceição", ["jose", "conc"])
    assert not matches_name("José da Conceição", ["maria"])


@pytest.mark.parametrize("raw, expected", [
    ("(11) 98765-4321", "11987654321"),
    ("+55 11 98765-4321", "11987654321"),
    ("011987654321", "11987654321"),
    ("1932221111", "1932221111"),
    ("(20) 98765-4321", None),  # 20 is not a DDD
    ("11887654321", None),  # 11 digits must be a mobile (9...)
    ("12345", None),
])
def test_phone_normalisation(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_person_type_is_hubsofts_pf_or_pj(customers: CustomerService) -> None:
    assert customers.register(new()).person_type == "pf"
    assert customers.register(new("Empresa X", "11222333000181")).person_type == "pj"


def test_a_login_belongs_to_one_service_whatever_its_case(customers: CustomerService) -> None:
    customers.register(new(services=(NewService("Fibra", 9990, ADDRESS, login="maria.silva"),)))
    with pytest.raises(BusinessRuleError, match="login Maria.Silva já está em uso"):
        customers.register(new("João", "11144477735", services=(NewService("Fibra", 9990, ADDRESS,
                                                                           login="Maria.Silva"),)))
    joao = customers.register(new("João", "11144477735", services=(NewService("Fibra", 9990, ADDRESS),)))
    with pytest.raises(BusinessRuleError, match="já está em uso"):
        customers.update_service(joao.services[0].id, ServiceChanges(login="MARIA.SILVA"))
    assert customers.service(joao.services[0].id).login == ""  # nothing changed on refusal


def test_service_addresses_default_to_installation_then_registration(customers: CustomerService) -> None:
    billing = Address("Rua B", "2", "Centro", "Campinas", "SP", "13010001")
    service = customers.register(new(services=(NewService("Fibra", 9990, ADDRESS),))).services[0]
    assert set(service.addresses.values()) == {ADDRESS}
    changed = customers.update_service(service.id, ServiceChanges(registration_address=billing, technology="FIBRA"))
    assert changed.addresses == {"endereco_instalacao": ADDRESS, "endereco_cadastral": billing,
                                 "endereco_cobranca": billing, "endereco_fiscal": billing}
    assert (changed.technology, changed.version) == ("FIBRA", 1)
    assert customers.service(service.id) == changed


def test_update_changes_what_is_sent_and_renames_the_holder(customers: CustomerService) -> None:
    maria = customers.register(new(services=(NewService("Fibra", 9990, ADDRESS),), rg="123", phone2="1132321010"))
    changed = customers.update(maria.id, CustomerChanges(name="Maria Souza", rg="", birth_date=date(1990, 5, 20)))
    assert (changed.name, changed.rg, changed.phone2, changed.birth_date, changed.version) == (
        "Maria Souza", "", "1132321010", date(1990, 5, 20), 1)
    assert customers.get(maria.id).services[0].holder == Holder(maria.code, "Maria Souza", maria.document)
    assert [c.id for c in customers.search("nome", "souza", 5)] == [maria.id]
    assert customers.update(maria.id, CustomerChanges(name="Maria Souza")).version == 1  # no change, no write


def test_a_stale_update_is_refused(clock: MutableClock) -> None:
    store = InMemoryCustomerStore()
    service = CustomerService(store, InMemorySequences(), clock, Profiles())
    maria = service.register(new())
    service.update(maria.id, CustomerChanges(rg="1"))
    with pytest.raises(ConflictError):  # written from the registration as read before the change above
        store.update_customer(maria, replace(maria, rg="2", version=1))
    assert service.get(maria.id).rg == "1"
