"""The catalogues' rules with the in-memory store: defaults until the first change, provider ids, a taken id
refused, changes field by field, deactivation instead of deletion, and what a new record may use."""
from __future__ import annotations

import pytest

from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.service_orders.catalogues import (
    DEFAULTS,
    CatalogueEntry,
    Catalogues,
    CatalogueSet,
    EntryChange,
    Kind,
)
from tests.fakes import InMemoryCatalogueStore


@pytest.fixture
def store() -> InMemoryCatalogueStore:
    return InMemoryCatalogueStore()


@pytest.fixture
def catalogues(store: InMemoryCatalogueStore) -> Catalogues:
    return Catalogues(store)


def test_a_catalogue_never_changed_is_the_defaults_and_is_not_stored(catalogues: Catalogues,
                                                                     store: InMemoryCatalogueStore) -> None:
    names = catalogues.load()
    for kind in Kind:
        assert names.entries(kind) == DEFAULTS[kind]
    assert names.description(Kind.TICKET_TYPES, 4) == "FINANCEIRO"
    assert names.find(Kind.TICKET_TYPES, 4).opens_orders is False  # type: ignore[union-attr]
    assert store.catalogues == {}


def test_the_first_change_stores_the_defaults_with_it(catalogues: Catalogues, store: InMemoryCatalogueStore) -> None:
    catalogues.add(Kind.TICKET_TYPES, CatalogueEntry(101, "Suporte N2"))
    assert [e.id for e in catalogues.load().entries(Kind.TICKET_TYPES)] == [1, 2, 3, 4, 101]
    assert set(store.catalogues) == {Kind.TICKET_TYPES}  # the others are still the defaults, unstored


def test_seeding_twice_keeps_what_was_stored(store: InMemoryCatalogueStore) -> None:
    store.seed(Kind.CLOSING_REASONS, DEFAULTS[Kind.CLOSING_REASONS])
    store.change(Kind.CLOSING_REASONS, 1, EntryChange(description="Executado"))
    store.seed(Kind.CLOSING_REASONS, DEFAULTS[Kind.CLOSING_REASONS])
    assert store.catalogues[Kind.CLOSING_REASONS][1].description == "Executado"


def test_a_taken_id_is_refused_even_inactive(catalogues: Catalogues) -> None:
    with pytest.raises(BusinessRuleError, match=r"Já existe tipo de atendimento de ID 1 \(SAC\)"):
        catalogues.add(Kind.TICKET_TYPES, CatalogueEntry(1, "Outro"))
    catalogues.deactivate(Kind.ORDER_TYPES, 6)
    with pytest.raises(BusinessRuleError, match=r"ID 6 \(VISITA TÉCNICA, inativo\)"):
        catalogues.add(Kind.ORDER_TYPES, CatalogueEntry(6, "Outra"))


@pytest.mark.parametrize(("entry", "message"), [
    (CatalogueEntry(0, "Zero"), "entre 1 e 999999999"),
    (CatalogueEntry(1_000_000_000, "Grande"), "entre 1 e 999999999"),
    (CatalogueEntry(27, "  "), "descricao é obrigatório"),
    (CatalogueEntry(27, "x" * 151), "mais de 150"),
])
def test_bad_entries_are_refused_before_anything_is_written(catalogues: Catalogues, store: InMemoryCatalogueStore,
                                                            entry: CatalogueEntry, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        catalogues.add(Kind.CLOSING_REASONS, entry)
    assert message in " ".join(refused.value.errors)
    assert store.catalogues == {}


def test_only_ticket_types_keep_an_opens_orders_flag(catalogues: Catalogues) -> None:
    added = catalogues.add(Kind.ORDER_TYPES, CatalogueEntry(30, "REPARO", opens_orders=False))
    assert added.opens_orders is True
    with pytest.raises(ValidationError, match="campos"):
        catalogues.change(Kind.ORDER_TYPES, 30, EntryChange(opens_orders=False))


def test_a_change_touches_only_the_fields_sent(catalogues: Catalogues) -> None:
    catalogues.add(Kind.TICKET_TYPES, CatalogueEntry(101, "Suporte N2", opens_orders=False))
    changed = catalogues.change(Kind.TICKET_TYPES, 101, EntryChange(description=" Suporte  N3 "))
    assert changed == CatalogueEntry(101, "Suporte N3", True, False)
    with pytest.raises(ValidationError):
        catalogues.change(Kind.TICKET_TYPES, 101, EntryChange())
    with pytest.raises(NotFoundError, match="Tipo de atendimento de ID 102 não encontrado"):
        catalogues.change(Kind.TICKET_TYPES, 102, EntryChange(active=False))


def test_deactivated_entries_keep_their_text_but_are_not_usable(catalogues: Catalogues) -> None:
    catalogues.deactivate(Kind.UNSCHEDULE_REASONS, 4)
    names = catalogues.load()
    assert names.description(Kind.UNSCHEDULE_REASONS, 4) == "Condições climáticas"
    assert 4 not in [e.id for e in names.entries(Kind.UNSCHEDULE_REASONS, include_inactive=False)]
    assert names.usable(Kind.UNSCHEDULE_REASONS, 4) == \
        "Motivo de remoção de agendamento de ID 4 (Condições climáticas) está inativo."
    assert names.usable(Kind.UNSCHEDULE_REASONS, 99) == ("Motivo de remoção de agendamento de ID 99 não encontrado "
                                                         "(consulte GET configuracao/motivo_remocao_agendamento).")
    assert names.usable(Kind.UNSCHEDULE_REASONS, 5) is None


def test_one_read_gives_every_catalogue(catalogues: Catalogues, store: InMemoryCatalogueStore) -> None:
    names = catalogues.load()
    assert isinstance(names, CatalogueSet) and store.reads == 1
    assert [names.description(kind, 1) for kind in Kind] == [
        "ABERTURA VIA API", "SAC", "Serviço executado", "Cliente solicitou remarcação", "Solicitação atendida"]
