"""What the history of an OS says about each change (pure).

Every change writes one entry (``HistoryEntry``) in the transaction of the
change itself (see ``ServiceOrderService._commit``); its ``detail`` is the
text built here: what the change set (for an opening) or moved from what to
what, and the reason the client gave. A message added to an OS is its own
record (``OrderMessage``) and appears in the timeline as an entry too.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.agenda.model import Interval
from chalicelib.service_orders.model import Action, HistoryEntry, OrderMessage, ServiceOrder

NONE = "nenhuma"


@dataclass(frozen=True)
class TimelineItem:
    """One line of an OS's history as it is read: a change or a message."""

    at: datetime
    user: str
    action: Action
    detail: str


def opened(order: ServiceOrder) -> str:
    """An opening: the status, agenda, programmed interval and technicians the OS starts with."""
    return "; ".join((f"status {order.status}", f"agenda {_agenda(order.agenda_id)}",
                      f"horário {_interval(order.interval)}", f"técnicos {_technicians(order.technician_ids)}")) + "."


def changes(before: ServiceOrder, after: ServiceOrder, reason: str = "") -> str:
    """A change: each field it moved, ``antes → depois``, then ``reason`` (what the client said)."""
    moved = []
    if before.status != after.status:
        moved.append(f"status: {before.status} → {after.status}")
    if before.agenda_id != after.agenda_id:
        moved.append(f"agenda: {_agenda(before.agenda_id)} → {_agenda(after.agenda_id)}")
    if before.interval != after.interval:
        moved.append(f"horário: {_interval(before.interval)} → {_interval(after.interval)}")
    if before.technician_ids != after.technician_ids:
        moved.append(f"técnicos: {_technicians(before.technician_ids)} → {_technicians(after.technician_ids)}")
    if before.priority != after.priority:
        moved.append(f"prioridade: {before.priority} → {after.priority}")
    if before.description != after.description:
        moved.append("descrição do serviço alterada")
    text = "; ".join(moved) + "." if moved else "Nenhum campo alterado."
    return f"{text} {reason}" if reason else text


def timeline(entries: Sequence[HistoryEntry], messages: Sequence[OrderMessage]) -> list[TimelineItem]:
    """Changes (in version order) and messages (in id order) merged oldest first; each keeps its own order."""
    changed = (TimelineItem(e.at, e.user, e.action, e.detail) for e in sorted(entries, key=lambda e: e.version))
    written = (TimelineItem(m.created_at, m.username, Action.MESSAGE, m.text) for m in sorted(messages,
                                                                                               key=lambda m: m.id))
    return list(heapq.merge(changed, written, key=lambda item: item.at))


def _agenda(agenda_id: int | None) -> str:
    return str(agenda_id) if agenda_id is not None else NONE


def _interval(interval: Interval | None) -> str:
    if interval is None:
        return NONE
    start, end = interval.start, interval.end
    if start.date() == end.date():
        return f"{start:%d/%m/%Y %H:%M}–{end:%H:%M}"
    return f"{start:%d/%m/%Y %H:%M}–{end:%d/%m/%Y %H:%M}"


def _technicians(technician_ids: Iterable[int]) -> str:
    return ", ".join(str(t) for t in technician_ids) or "nenhum"
