"""The provider's catalogues of the OS API: OS types, ticket types (with their
"opens an OS" flag), reasons for removing a schedule, for closing an OS and
for closing a ticket.

HubSoft keeps these per installation and the provider's bots send its ids
(ticket type 101, closing reason 27), so they are data: each catalogue is
stored whole (``CatalogueStore``), seeded with ``DEFAULTS`` (today's ids and
texts, which existing clients keep) on its first change, and read as
``DEFAULTS`` while it was never changed. Ids are the provider's choice and
stable: clients store them.

An entry is never deleted: records that name it keep their text. Deactivated,
it is refused for new OS, tickets, closings and unschedulings
(``CatalogueSet.usable``) and left out of the lists clients read unless they
ask for the inactive ones.

A request reads every catalogue at once (``Catalogues.load``: one query) and
looks entries up in that snapshot; nothing is cached between requests, so a
change made through one Lambda is seen by the next request of any other.

Framework-free: the store is a port (``storage.catalogues`` implements it).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError

MAX_ID = 999_999_999
MAX_DESCRIPTION = 150


class Kind(StrEnum):
    """A catalogue, named as its route (``configuracao/<kind>``)."""

    ORDER_TYPES = "tipo_ordem_servico"
    TICKET_TYPES = "tipo_atendimento"
    CLOSING_REASONS = "motivo_fechamento_os"
    UNSCHEDULE_REASONS = "motivo_remocao_agendamento"
    TICKET_CLOSING_REASONS = "motivo_fechamento_atendimento"

    @property
    def label(self) -> str:
        """What an operator calls one entry (messages start with it)."""
        return _LABELS[self]


_LABELS = {
    Kind.ORDER_TYPES: "Tipo de ordem de serviço",
    Kind.TICKET_TYPES: "Tipo de atendimento",
    Kind.CLOSING_REASONS: "Motivo de fechamento",
    Kind.UNSCHEDULE_REASONS: "Motivo de remoção de agendamento",
    Kind.TICKET_CLOSING_REASONS: "Motivo de fechamento de atendimento",
}

# The names the static tuples had: ``find(TICKET_TYPES, id)`` reads as before, on a snapshot.
ORDER_TYPES = Kind.ORDER_TYPES
TICKET_TYPES = Kind.TICKET_TYPES
UNSCHEDULE_REASONS = Kind.UNSCHEDULE_REASONS
CLOSING_REASONS = Kind.CLOSING_REASONS
TICKET_CLOSING_REASONS = Kind.TICKET_CLOSING_REASONS


@dataclass(frozen=True)
class CatalogueEntry:
    id: int
    description: str
    active: bool = True
    # Ticket types only. HubSoft: "the atendimento type must allow opening an OS".
    opens_orders: bool = True


TicketType = CatalogueEntry

DEFAULTS: Mapping[Kind, tuple[CatalogueEntry, ...]] = {
    Kind.ORDER_TYPES: (
        CatalogueEntry(1, "ABERTURA VIA API"),
        CatalogueEntry(2, "INSTALAÇÃO"),
        CatalogueEntry(3, "MANUTENÇÃO / REPARO"),
        CatalogueEntry(4, "MUDANÇA DE ENDEREÇO"),
        CatalogueEntry(5, "RETIRADA DE EQUIPAMENTO"),
        CatalogueEntry(6, "VISITA TÉCNICA"),
    ),
    Kind.TICKET_TYPES: (
        CatalogueEntry(1, "SAC"),
        CatalogueEntry(2, "SUPORTE TÉCNICO"),
        CatalogueEntry(3, "COMERCIAL"),
        CatalogueEntry(4, "FINANCEIRO", opens_orders=False),
    ),
    Kind.UNSCHEDULE_REASONS: (
        CatalogueEntry(1, "Cliente solicitou remarcação"),
        CatalogueEntry(2, "Cliente ausente no endereço"),
        CatalogueEntry(3, "Técnico indisponível"),
        CatalogueEntry(4, "Condições climáticas"),
        CatalogueEntry(5, "Falta de material ou equipamento"),
        CatalogueEntry(6, "Outros"),
    ),
    Kind.CLOSING_REASONS: (
        CatalogueEntry(1, "Serviço executado"),
        CatalogueEntry(2, "Cliente ausente"),
        CatalogueEntry(3, "Endereço não localizado"),
        CatalogueEntry(4, "Cliente desistiu"),
        CatalogueEntry(5, "Inviabilidade técnica"),
        CatalogueEntry(6, "Outros"),
    ),
    Kind.TICKET_CLOSING_REASONS: (
        CatalogueEntry(1, "Solicitação atendida"),
        CatalogueEntry(2, "Problema resolvido"),
        CatalogueEntry(3, "Cliente desistiu"),
        CatalogueEntry(4, "Sem retorno do cliente"),
        CatalogueEntry(5, "Outros"),
    ),
}
DEFAULT_ORDER_TYPE = 1  # "ABERTURA VIA API", HubSoft's default for OS opened by the API
DEFAULT_TICKET_TYPE = 1  # "SAC"


@dataclass(frozen=True)
class CatalogueSet:
    """Every catalogue as one request read it."""

    catalogues: Mapping[Kind, tuple[CatalogueEntry, ...]]

    @classmethod
    def defaults(cls) -> CatalogueSet:
        return cls(dict(DEFAULTS))

    def entries(self, kind: Kind, *, include_inactive: bool = True) -> tuple[CatalogueEntry, ...]:
        """The catalogue's entries by id."""
        return tuple(e for e in self.catalogues.get(kind, DEFAULTS[kind]) if include_inactive or e.active)

    def find(self, kind: Kind, entry_id: int | None) -> CatalogueEntry | None:
        """The entry of that id, active or not (a record shows the text of an entry deactivated since)."""
        return next((e for e in self.entries(kind) if e.id == entry_id), None)

    def description(self, kind: Kind, entry_id: int | None) -> str | None:
        entry = self.find(kind, entry_id)
        return entry.description if entry else None

    def usable(self, kind: Kind, entry_id: int) -> str | None:
        """Why ``entry_id`` cannot be given to a new record (unknown or inactive); None when it can."""
        entry = self.find(kind, entry_id)
        if entry is None:
            return f"{kind.label} de ID {entry_id} não encontrado (consulte GET configuracao/{kind.value})."
        if not entry.active:
            return f"{kind.label} de ID {entry_id} ({entry.description}) está inativo."
        return None


def find(catalogues: CatalogueSet, kind: Kind, entry_id: int | None) -> CatalogueEntry | None:
    """``catalogues.find(kind, entry_id)``, for callers written against the static tuples' ``find``."""
    return catalogues.find(kind, entry_id)


@dataclass(frozen=True)
class EntryChange:
    """An operator's change to an entry; None keeps a field (``opens_orders``: ticket types only)."""

    description: str | None = None
    active: bool | None = None
    opens_orders: bool | None = None

    @property
    def empty(self) -> bool:
        return self.description is None and self.active is None and self.opens_orders is None


class CatalogueStore(Protocol):
    def load(self) -> dict[Kind, tuple[CatalogueEntry, ...]]:
        """The catalogues ever stored (one read); a catalogue absent is still the defaults."""
        ...

    def seed(self, kind: Kind, entries: tuple[CatalogueEntry, ...]) -> None:
        """Store ``entries`` as the catalogue unless it is stored already (idempotent, safe under races)."""
        ...

    def add(self, kind: Kind, entry: CatalogueEntry) -> bool:
        """Add the entry to the stored catalogue; False (nothing written) when its id is taken."""
        ...

    def change(self, kind: Kind, entry_id: int, change: EntryChange) -> CatalogueEntry | None:
        """Set the fields ``change`` sends (and only those) on a stored entry; None when there is no such id."""
        ...


class Catalogues:
    """Read every catalogue; add, change and deactivate entries."""

    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    def load(self) -> CatalogueSet:
        """Every catalogue, in one read."""
        stored = self._store.load()
        return CatalogueSet({kind: tuple(sorted(stored.get(kind, DEFAULTS[kind]), key=lambda e: e.id))
                             for kind in Kind})

    def add(self, kind: Kind, entry: CatalogueEntry) -> CatalogueEntry:
        """A new entry with the provider's id: a taken id (active or not) is refused by the store's condition."""
        entry = replace(entry, description=_description(entry.description),
                        opens_orders=entry.opens_orders if kind is Kind.TICKET_TYPES else True)
        if not 1 <= entry.id <= MAX_ID:
            raise ValidationError([f"O ID deve ser um número inteiro entre 1 e {MAX_ID}."])
        # The read only spares a refusal its writes (the seed); the store's condition is what refuses a taken id.
        if self.load().find(kind, entry.id) is None:
            self._store.seed(kind, DEFAULTS[kind])
            if self._store.add(kind, entry):
                return entry
        taken = self.load().find(kind, entry.id)
        text = f" ({taken.description}{'' if taken.active else ', inativo'})" if taken else ""
        raise BusinessRuleError(f"Já existe {kind.label.lower()} de ID {entry.id}{text}.",
                                ["Escolha outro ID ou altere o existente (PUT)."])

    def change(self, kind: Kind, entry_id: int, change: EntryChange) -> CatalogueEntry:
        """Change the fields sent; concurrent changes of different fields both hold."""
        if change.empty:
            fields = "descricao, ativo" + (" ou abre_os" if kind is Kind.TICKET_TYPES else "")
            raise ValidationError([f"Informe ao menos um campo para alterar: {fields}."])
        if change.opens_orders is not None and kind is not Kind.TICKET_TYPES:
            raise ValidationError(["O campo abre_os só existe nos tipos de atendimento."])
        if change.description is not None:
            change = replace(change, description=_description(change.description))
        missing = NotFoundError(f"{kind.label} de ID {entry_id} não encontrado.")
        if self.load().find(kind, entry_id) is None:  # spares the refusal the seed; entries are never removed
            raise missing
        self._store.seed(kind, DEFAULTS[kind])
        changed = self._store.change(kind, entry_id, change)
        if changed is None:
            raise missing
        return changed

    def deactivate(self, kind: Kind, entry_id: int) -> CatalogueEntry:
        """Never a delete: records that name the entry keep its text; new ones cannot use it."""
        return self.change(kind, entry_id, EntryChange(active=False))


def _description(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError(["O campo descricao é obrigatório."])
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError([f"O campo descricao não pode ter mais de {MAX_DESCRIPTION} caracteres."])
    return text
