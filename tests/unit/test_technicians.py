"""Technicians change and are deactivated, never deleted; an inactive one stays where it is and joins nothing new."""
from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from chalicelib.agenda.model import AgendaSpec, City, Window
from chalicelib.agenda.service import AgendaService, brazilian_holiday
from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.technicians.service import NewTechnician, TechnicianChange, TechnicianService
from tests.conftest import MutableClock
from tests.fakes import InMemoryAgendaStore, InMemorySequences, InMemoryTechnicianStore


@pytest.fixture
def store() -> InMemoryTechnicianStore:
    return InMemoryTechnicianStore()


@pytest.fixture
def technicians(store: InMemoryTechnicianStore, clock: MutableClock) -> TechnicianService:
    return TechnicianService(store, InMemorySequences(), clock)


def test_a_change_writes_the_fields_sent_and_keeps_the_others(technicians: TechnicianService,
                                                              store: InMemoryTechnicianStore) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br", "11987654321"))
    changed = technicians.change(carlos.id, TechnicianChange(name="  Carlos Souza ", email="souza@provedor.com.br"))
    assert changed == replace(carlos, name="Carlos Souza", email="souza@provedor.com.br")
    assert store.technicians[carlos.id] == changed
    cleared = technicians.change(carlos.id, TechnicianChange(phone=""))
    assert cleared.phone == "" and cleared.name == "Carlos Souza"


def test_a_change_needs_a_field_and_a_known_technician(technicians: TechnicianService) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
    with pytest.raises(ValidationError) as caught:
        technicians.change(carlos.id, TechnicianChange())
    assert caught.value.errors == ["Informe ao menos um campo para alterar: name, email, telefone ou ativo."]
    with pytest.raises(ValidationError, match="Favor preencher"):
        technicians.change(carlos.id, TechnicianChange(name="  "))
    with pytest.raises(NotFoundError, match="Técnico de ID 9 não encontrado"):
        technicians.change(9, TechnicianChange(active=False))
    with pytest.raises(NotFoundError):
        technicians.deactivate(9)


def test_another_technicians_email_is_refused_and_nothing_changes(technicians: TechnicianService,
                                                                 store: InMemoryTechnicianStore) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
    technicians.register(NewTechnician("Bia", "bia@provedor.com.br"))
    with pytest.raises(BusinessRuleError, match="Já existe um técnico com o e-mail bia@provedor.com.br"):
        technicians.change(carlos.id, TechnicianChange(name="Outro", email="bia@provedor.com.br"))
    assert store.technicians[carlos.id] == carlos


def test_deactivating_keeps_the_technician_and_lists_it_only_on_request(technicians: TechnicianService) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
    bia = technicians.register(NewTechnician("Bia", "bia@provedor.com.br"))
    assert technicians.deactivate(carlos.id) == replace(carlos, active=False)
    assert technicians.deactivate(carlos.id).active is False  # again: nothing to change, same answer
    assert [t.id for t in technicians.list_active()] == [bia.id]
    assert [(t.id, t.active) for t in technicians.list_technicians(include_inactive=True)] == [
        (carlos.id, False), (bia.id, True)]
    assert technicians.get_many([carlos.id])[carlos.id].name == "Carlos"  # past OS keep its name
    assert technicians.change(carlos.id, TechnicianChange(active=True)).active is True


def test_an_inactive_technician_is_unassignable_unless_kept(technicians: TechnicianService) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
    bia = technicians.register(NewTechnician("Bia", "bia@provedor.com.br"))
    technicians.deactivate(carlos.id)
    assert technicians.unassignable([bia.id]) == []
    assert technicians.unassignable([carlos.id, bia.id, 9, carlos.id]) == [
        f"O técnico Carlos (ID {carlos.id}) está inativo e não pode ser adicionado a agendas, OS ou usuários.",
        "Técnico de ID 9 não encontrado.",
    ]
    assert technicians.unassignable([carlos.id, bia.id], kept=[carlos.id]) == []


class TestAgendas:
    @pytest.fixture
    def agendas(self, technicians: TechnicianService) -> AgendaService:
        return AgendaService(InMemoryAgendaStore(), InMemorySequences(), technicians, brazilian_holiday)

    @staticmethod
    def spec(*technician_ids: int) -> AgendaSpec:
        window = Window(weekdays=frozenset({0}), start=time(8), end=time(12), slot_minutes=60, capacity=2)
        return AgendaSpec(description="Instalações", active=True, windows=(window,),
                          cities=(City("Campinas", "SP"),), technician_ids=technician_ids)

    def test_an_inactive_technician_stays_on_its_agenda_but_joins_no_other(
            self, agendas: AgendaService, technicians: TechnicianService) -> None:
        # GIVEN Carlos on an agenda, then deactivated
        carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
        bia = technicians.register(NewTechnician("Bia", "bia@provedor.com.br"))
        agenda = agendas.create(self.spec(carlos.id))
        technicians.deactivate(carlos.id)
        # WHEN the agenda is replaced keeping him, he stays
        kept = agendas.replace(agenda.id, self.spec(carlos.id, bia.id))
        assert kept.technician_ids == (carlos.id, bia.id)
        assert agendas.spec_errors(self.spec(carlos.id), agenda_id=agenda.id) == []
        # THEN no other agenda may take him
        with pytest.raises(ValidationError) as caught:
            agendas.create(self.spec(carlos.id))
        assert caught.value.errors == [
            f"O técnico Carlos (ID {carlos.id}) está inativo e não pode ser adicionado a agendas, OS ou usuários."]
        other = agendas.create(self.spec(bia.id))
        with pytest.raises(ValidationError, match="Favor preencher"):
            agendas.replace(other.id, self.spec(bia.id, carlos.id))
        assert agendas.get(other.id).technician_ids == (bia.id,)
        # and once removed from his agenda he cannot come back while inactive
        agendas.replace(agenda.id, self.spec(bia.id))
        with pytest.raises(ValidationError):
            agendas.replace(agenda.id, self.spec(bia.id, carlos.id))
