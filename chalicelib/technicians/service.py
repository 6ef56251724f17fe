"""Technicians: register, change, deactivate and list (HubSoft's ``configuracao/tecnico``).

A technician is never deleted: past OS keep showing its name. An inactive
one stays on the agendas and OS it is already on, but nothing new is given
to it (``unassignable``: agendas, OS and users ask before adding one).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.errors import ValidationError, require_found
from chalicelib.ports import Sequences

CHANGE_FIELDS = "name, email, telefone ou ativo"


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


@dataclass(frozen=True)
class TechnicianChange:
    """An operator's change to a technician; None keeps a field as it is (``phone=""`` clears the phone)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    active: bool | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


class TechnicianStore(Protocol):
    def add(self, technician: Technician) -> None: ...
    def get(self, technician_id: int) -> Technician | None: ...
    def list_all(self) -> list[Technician]: ...
    def get_many(self, technician_ids: list[int]) -> list[Technician]: ...
    def update(self, current: Technician, updated: Technician) -> None: ...


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

    def get(self, technician_id: int) -> Technician:
        return require_found(self._store.get(technician_id), f"Técnico de ID {technician_id} não encontrado")

    def change(self, technician_id: int, change: TechnicianChange) -> Technician:
        """Apply ``change``; a new e-mail must be free (the store swaps the claims atomically)."""
        if change.empty:
            raise ValidationError([f"Informe ao menos um campo para alterar: {CHANGE_FIELDS}."])
        if change.name is not None and not change.name.strip():
            raise ValidationError(["O campo name é obrigatório."])
        current = self.get(technician_id)
        updated = replace(
            current,
            name=current.name if change.name is None else change.name.strip(),
            email=current.email if change.email is None else change.email,
            phone=current.phone if change.phone is None else change.phone,
            active=current.active if change.active is None else change.active,
        )
        if updated != current:
            self._store.update(current, updated)
        return updated

    def deactivate(self, technician_id: int) -> Technician:
        """Never a delete: past OS keep its name, and it stays where it already is."""
        return self.change(technician_id, TechnicianChange(active=False))

    def list_active(self) -> list[Technician]:
        return self.list_technicians(include_inactive=False)

    def list_technicians(self, include_inactive: bool = False) -> list[Technician]:
        return sorted((t for t in self._store.list_all() if include_inactive or t.active), key=lambda t: t.id)

    def exists(self, technician_id: int) -> bool:
        return self._store.get(technician_id) is not None

    def unassignable(self, technician_ids: Iterable[int], kept: Iterable[int] = ()) -> list[str]:
        """Why each of ``technician_ids`` cannot be given to an agenda, an OS or a user: unknown, or inactive
        and not among ``kept`` (where it already is, an inactive technician stays). One batch read."""
        kept_ids = set(kept)
        wanted = list(dict.fromkeys(technician_ids))
        found = self.get_many(t for t in wanted if t not in kept_ids)
        errors = []
        for technician_id in wanted:
            if technician_id in kept_ids:
                continue
            technician = found.get(technician_id)
            if technician is None:
                errors.append(f"Técnico de ID {technician_id} não encontrado.")
            elif not technician.active:
                errors.append(f"O técnico {technician.name} (ID {technician_id}) está inativo e não pode ser "
                              "adicionado a agendas, OS ou usuários.")
        return errors

    def get_many(self, technician_ids: Iterable[int]) -> dict[int, Technician]:
        """The technicians of ``technician_ids`` that exist, by id (one batch read, no scan)."""
        ids = list(dict.fromkeys(technician_ids))
        return {t.id: t for t in self._store.get_many(ids)} if ids else {}
