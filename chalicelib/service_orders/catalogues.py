"""Static catalogues of the OS API: OS types, ticket types, reasons for
removing a schedule and for closing an OS.

HubSoft keeps these per installation; ours are fixed data here until an
operator needs to edit them. Ids are stable: clients store them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class CatalogueEntry:
    id: int
    description: str


@dataclass(frozen=True)
class TicketType(CatalogueEntry):
    opens_orders: bool = True  # HubSoft: "the atendimento type must allow opening an OS"


ORDER_TYPES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(1, "ABERTURA VIA API"),
    CatalogueEntry(2, "INSTALAÇÃO"),
    CatalogueEntry(3, "MANUTENÇÃO / REPARO"),
    CatalogueEntry(4, "MUDANÇA DE ENDEREÇO"),
    CatalogueEntry(5, "RETIRADA DE EQUIPAMENTO"),
    CatalogueEntry(6, "VISITA TÉCNICA"),
)
DEFAULT_ORDER_TYPE = 1  # "ABERTURA VIA API", HubSoft's default for OS opened by the API

TICKET_TYPES: tuple[TicketType, ...] = (
    TicketType(1, "SAC"),
    TicketType(2, "SUPORTE TÉCNICO"),
    TicketType(3, "COMERCIAL"),
    TicketType(4, "FINANCEIRO", opens_orders=False),
)
DEFAULT_TICKET_TYPE = 1  # "SAC"

UNSCHEDULE_REASONS: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(1, "Cliente solicitou remarcação"),
    CatalogueEntry(2, "Cliente ausente no endereço"),
    CatalogueEntry(3, "Técnico indisponível"),
    CatalogueEntry(4, "Condições climáticas"),
    CatalogueEntry(5, "Falta de material ou equipamento"),
    CatalogueEntry(6, "Outros"),
)

CLOSING_REASONS: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(1, "Serviço executado"),
    CatalogueEntry(2, "Cliente ausente"),
    CatalogueEntry(3, "Endereço não localizado"),
    CatalogueEntry(4, "Cliente desistiu"),
    CatalogueEntry(5, "Inviabilidade técnica"),
    CatalogueEntry(6, "Outros"),
)


_Entry = TypeVar("_Entry", bound=CatalogueEntry)


def find(entries: tuple[_Entry, ...], entry_id: int | None) -> _Entry | None:
    return next((e for e in entries if e.id == entry_id), None)
