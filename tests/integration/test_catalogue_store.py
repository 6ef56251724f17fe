"""The catalogues on DynamoDB (moto): the same behaviour as the in-memory store (one contract, both stores),
seeding without a scan and idempotent, and under real threads racing against moto's server one id lands once
and edits of different fields all hold."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.container import Container
from chalicelib.errors import BusinessRuleError
from chalicelib.service_orders.catalogues import DEFAULTS, CatalogueEntry, Catalogues, EntryChange, Kind
from chalicelib.storage.catalogues import PARTITION, DynamoCatalogueStore
from chalicelib.storage.models import CatalogueItem, SettingsItem
from tests.aws import moto_stack
from tests.conftest import MutableClock
from tests.fakes import InMemoryCatalogueStore
from tests.integration.test_races import RACERS, race


@pytest.fixture(params=["memory", "dynamodb"])
def catalogues(request: pytest.FixtureRequest, clock: MutableClock) -> Iterator[Catalogues]:
    if request.param == "memory":
        yield Catalogues(InMemoryCatalogueStore())
        return
    with moto_stack(clock) as container:
        yield container.catalogues


class TestContract:
    def test_defaults_until_the_first_change(self, catalogues: Catalogues) -> None:
        assert catalogues.load().entries(Kind.TICKET_TYPES) == DEFAULTS[Kind.TICKET_TYPES]
        catalogues.add(Kind.TICKET_TYPES, CatalogueEntry(101, "Reparo", opens_orders=False))
        assert catalogues.load().entries(Kind.TICKET_TYPES) == (
            *DEFAULTS[Kind.TICKET_TYPES], CatalogueEntry(101, "Reparo", True, False))

    def test_a_taken_id_is_refused(self, catalogues: Catalogues) -> None:
        catalogues.add(Kind.CLOSING_REASONS, CatalogueEntry(27, "Conector trocado"))
        with pytest.raises(BusinessRuleError, match="Já existe motivo de fechamento de ID 27"):
            catalogues.add(Kind.CLOSING_REASONS, CatalogueEntry(27, "Outro"))
        assert catalogues.load().description(Kind.CLOSING_REASONS, 27) == "Conector trocado"

    def test_changes_and_deactivation(self, catalogues: Catalogues) -> None:
        changed = catalogues.change(Kind.TICKET_TYPES, 4, EntryChange(opens_orders=True))
        assert changed == CatalogueEntry(4, "FINANCEIRO", True, True)
        assert catalogues.deactivate(Kind.TICKET_TYPES, 4) == CatalogueEntry(4, "FINANCEIRO", False, True)
        assert catalogues.load().find(Kind.TICKET_TYPES, 4) == CatalogueEntry(4, "FINANCEIRO", False, True)


def test_every_catalogue_is_one_item_of_one_partition(clock: MutableClock) -> None:
    with moto_stack(clock) as container:
        for kind in Kind:
            container.catalogues.add(kind, CatalogueEntry(90, "Novo"))
        items = [i for i in SettingsItem.query(PARTITION) if isinstance(i, CatalogueItem)]
        assert sorted(i.sk for i in items) == sorted(k.value for k in Kind)
        store = DynamoCatalogueStore()
        store.seed(Kind.TICKET_TYPES, DEFAULTS[Kind.TICKET_TYPES])  # a second seed writes nothing
        assert 90 in [e.id for e in container.catalogues.load().entries(Kind.TICKET_TYPES)]


def test_racing_creations_of_one_id_land_once(server_stack: Container) -> None:
    def create(i: int) -> CatalogueEntry:
        return server_stack.catalogues.add(Kind.TICKET_TYPES, CatalogueEntry(101, f"Tipo {i}"))

    wins, losses = race(create)
    assert len(wins) == 1
    assert len(losses) == RACERS - 1 and all(isinstance(e, BusinessRuleError) for e in losses)
    assert server_stack.catalogues.load().find(Kind.TICKET_TYPES, 101) == wins[0]
    assert len(server_stack.catalogues.load().entries(Kind.TICKET_TYPES)) == len(DEFAULTS[Kind.TICKET_TYPES]) + 1


def test_racing_creations_of_different_ids_all_land(server_stack: Container) -> None:
    wins, losses = race(lambda i: server_stack.catalogues.add(Kind.CLOSING_REASONS,
                                                             CatalogueEntry(20 + i, f"Motivo {i}")))
    assert not losses
    stored = {e.id for e in server_stack.catalogues.load().entries(Kind.CLOSING_REASONS)}
    assert {20 + i for i in range(RACERS)} <= stored


def test_racing_edits_of_different_fields_all_hold(server_stack: Container) -> None:
    server_stack.catalogues.add(Kind.TICKET_TYPES, CatalogueEntry(101, "Reparo"))
    edits = [EntryChange(description="Reparo N2"), EntryChange(opens_orders=False), EntryChange(active=False)]
    wins, losses = race(lambda i: server_stack.catalogues.change(Kind.TICKET_TYPES, 101, edits[i % 3]), threads=3)
    assert not losses and len(wins) == 3
    assert server_stack.catalogues.load().find(Kind.TICKET_TYPES, 101) == CatalogueEntry(101, "Reparo N2", False, False)
