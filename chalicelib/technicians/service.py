"""Technicians: register and list (HubSoft's ``configuracao/tecnico``)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.ports import Sequences


@dataclass(frozen=True)
class Technician:
    id: int
    name: str
    email: str
    phone: str = ""
    active: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True)
class NewTechnician:
    name: str
    email: str
    phone: str = ""


class TechnicianStore(Protocol):
    def add(self, technician: Technician) -> None: ...
    def get(self, technician_id: int) -> Technician | None: ...
    def list_all(self) -> list[Technician]: ...
    def get_many(self, technician_ids: list[int]) -> list[Technician]: ...


class TechnicianService:
    def __init__(self, store: TechnicianStore, sequences: Sequences, clock: Clock) -> None:
        self._store = store
        self._sequences = sequences
        self._clock = clock

    def register(self, new: NewTechnician) -> Technician:
        """The e-mail is unique; the store refuses a duplicate atomically."""
        technician = Technician(
            id=self._sequences.next_id("tecnico"), name=new.name, email=new.email,
            phone=new.phone, created_at=self._clock(),
        )
        self._store.add(technician)
        return technician

    def list_active(self) -> list[Technician]:
        return sorted((t for t in self._store.list_all() if t.active), key=lambda t: t.id)

    def exists(self, technician_id: int) -> bool:
        return self._store.get(technician_id) is not None

    def get_many(self, technician_ids: Iterable[int]) -> dict[int, Technician]:
        """The technicians of ``technician_ids`` that exist, by id (one batch read, no scan)."""
        return {t.id: t for t in self._store.get_many(list(dict.fromkeys(technician_ids)))}
