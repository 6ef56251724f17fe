"""Service orders (``service_orders`` table) and the one transaction that
writes an OS together with the agenda counters it takes and releases and the
technicians' days it leaves and enters (``agendas`` table, see storage.agendas).

Keys: ``OS#<id>`` / ``OS``; its messages ``OS#<id>`` / ``MSG#<message id:010d>``; its history
``OS#<id>`` / ``HIST#<version:010d>`` (one entry per change, written in the change's transaction);
tickets ``ATENDIMENTO#<id>`` / ``ATENDIMENTO`` (storage.tickets); ``OUTBOX`` / ``<written at>#<event id>`` for
the events of each change (the stream relays them; TTL drops them).

Indexes (all sparse, all written with the OS in its transaction):
``by_agenda`` ``AGENDA#<id>`` / ``<programmed start>#<id>``; ``by_customer``
``CLIENTE#<id>`` / ``<created>#<id>``; and one per searchable date
(``DATE_INDEXES``) ``<YYYY>`` / ``<local moment>#<id>``. Indexes are
eventually consistent: a list may miss an OS written a moment ago.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, tzinfo

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition

from chalicelib.agenda.booking import AgendaChangedError, CapacityExhaustedError, CounterKey, CounterMoves
from chalicelib.agenda.model import Interval
from chalicelib.agenda.technician_time import DayKey, TechnicianDay, TechnicianDayChangedError
from chalicelib.customers.model import Address
from chalicelib.queues import Message
from chalicelib.service_orders import listing
from chalicelib.service_orders.model import (
    Action,
    Closing,
    HistoryEntry,
    OrderCustomer,
    OrderMessage,
    ServiceOrder,
    Ticket,
)
from chalicelib.service_orders.service import (
    OrderChangedError,
    TicketClosedError,
    TicketExistsError,
    TransientConflictError,
)
from chalicelib.storage.agendas import LISTING, counters_pk, technician_day_item, technician_days
from chalicelib.storage.binding import LabelledTransaction
from chalicelib.storage.dated import moment_key, query_years, within
from chalicelib.storage.errors import conflicted, failed_conditions
from chalicelib.storage.models import (
    AgendaConfigItem,
    OrderHistoryItem,
    OrderItem,
    OrderMessageItem,
    OrderTableItem,
    OutboxItem,
    SlotCounterItem,
    TechnicianDayItem,
    TicketItem,
)
from chalicelib.storage.outbox import outbox_row
from chalicelib.storage.tickets import DynamoTicketStore, ticket_item, ticket_pk

# tipo_data -> (index, its year attribute name, its key attribute name)
DATE_INDEXES = {
    listing.CREATED: (OrderTableItem.by_created, "created_year", "created_key"),
    listing.PROGRAMMED_START: (OrderTableItem.by_start, "start_year", "start_key"),
    listing.PROGRAMMED_END: (OrderTableItem.by_end, "end_year", "end_key"),
    listing.EXECUTED_START: (OrderTableItem.by_executed_start, "executed_start_year", "executed_start_key"),
    listing.EXECUTED_END: (OrderTableItem.by_executed_end, "executed_end_year", "executed_end_key"),
}


class DynamoOrderStore:
    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone  # registration dates are indexed by the provider's local day
        self._tickets = DynamoTicketStore(zone)

    def get(self, order_id: int) -> ServiceOrder | None:
        try:
            return _order(OrderItem.get(f"OS#{order_id}", "OS", consistent_read=True))
        except OrderItem.DoesNotExist:
            return None

    def by_date(self, kind: str, first: datetime, last: datetime) -> Iterator[ServiceOrder]:
        """OS whose date ``kind`` lies in [first, last] (local), by that date: one query per year touched."""
        index, _, key = DATE_INDEXES[kind]
        yield from _orders(query_years(index, getattr(OrderTableItem, key), first, last))

    def by_agenda(self, agenda_id: int, first: datetime, last: datetime) -> Iterator[ServiceOrder]:
        condition = within(OrderTableItem.agenda_sk, first, last)
        yield from _orders(OrderTableItem.by_agenda.query(f"AGENDA#{agenda_id}", condition))

    def by_customer(self, customer_id: int) -> Iterator[ServiceOrder]:
        yield from _orders(OrderTableItem.by_customer.query(f"CLIENTE#{customer_id}"))

    def get_many(self, order_ids: Sequence[int]) -> dict[int, ServiceOrder]:
        """OS by id, in batches of 100 (BatchGetItem's limit), strongly consistent."""
        keys = [(f"OS#{o}", "OS") for o in dict.fromkeys(order_ids)]
        return {int(i.order_id): _order(i) for i in OrderItem.batch_get(keys, consistent_read=True)}

    def tickets(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
        """Tickets by id, in batches of 100 (BatchGetItem's limit)."""
        return self._tickets.get_many(ticket_ids)

    def technician_days(self, keys: Sequence[DayKey]) -> list[TechnicianDay]:
        return technician_days(keys)

    def add_ticket(self, ticket: Ticket) -> None:
        self._tickets.add(ticket)

    def get_ticket(self, ticket_id: int) -> Ticket | None:
        return self._tickets.get(ticket_id)

    def add_message(self, message: OrderMessage) -> None:
        OrderMessageItem(f"OS#{message.order_id}", f"MSG#{message.id:010d}", message_id=message.id,
                         order_id=message.order_id, user_id=message.user_id, text=message.text,
                         created_at=message.created_at, ip=message.ip, username=message.username or None,
                         ).save(condition=OrderMessageItem.pk.does_not_exist())

    def messages(self, order_id: int) -> list[OrderMessage]:
        return [_message(i) for i in OrderMessageItem.query(f"OS#{order_id}", OrderMessageItem.sk.startswith("MSG#"))
                if isinstance(i, OrderMessageItem)]

    def history(self, order_id: int) -> tuple[list[HistoryEntry], list[OrderMessage]]:
        """The OS's history entries (by version) and messages (by id): one strongly consistent query of its
        partition (a change just answered is in it)."""
        entries: list[HistoryEntry] = []
        messages: list[OrderMessage] = []
        for item in OrderTableItem.query(f"OS#{order_id}", consistent_read=True):
            if isinstance(item, OrderHistoryItem):
                entries.append(HistoryEntry(order_id=int(item.order_id), version=int(item.version), at=item.at,
                                            user=item.user or "", action=Action(item.action),
                                            detail=item.detail or ""))
            elif isinstance(item, OrderMessageItem):
                messages.append(_message(item))
        return entries, messages

    def save(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
             events: Sequence[Message] = (), written_at: datetime | None = None,
             ticket: Ticket | None = None, days: Sequence[TechnicianDay] = (),
             entry: HistoryEntry | None = None, attach_to: int | None = None) -> None:
        """Write ``order`` and apply ``moves``, all or nothing.

        ``expected_version`` None creates the OS; otherwise the stored OS must
        still have that version (a concurrent change wins, this one fails).
        ``events`` land in the outbox in the same transaction; the table's
        stream takes them to the queue (chalicelib.outbox). ``ticket`` (the
        atendimento the OS is opened with) is created in the same transaction;
        ``attach_to`` (an existing ticket the OS is opened from) gets the OS's id
        in it, only while it is open.
        ``days`` are the technicians' days as the change leaves them, each
        written only if it still has the version it was read at. ``entry``
        is the change's history entry, keyed by the version it gives the OS.
        """
        written = written_at or order.created_at
        outbox = [outbox_row(OutboxItem, event, written) for event in events]
        # Labels: "os", "agenda", "ticket", ("attach", its id), "outbox", "history", a counter taken (its
        # CounterKey), a counter released (("release", its CounterKey)) and a technician's day (its TechnicianDay);
        # _refusal reads them.
        txn: LabelledTransaction[object] = LabelledTransaction()
        try:
            with txn:
                condition = (OrderItem.pk.does_not_exist() if expected_version is None
                             else OrderItem.version == expected_version)
                txn.save("os", _item(order, self._zone), condition=condition)
                if entry is not None:
                    txn.save("history", _history_item(entry), condition=OrderHistoryItem.pk.does_not_exist())
                if moves.check_agenda:
                    agenda_id, version = moves.check_agenda
                    txn.condition_check("agenda", AgendaConfigItem, LISTING, f"{agenda_id:010d}",
                                        condition=(AgendaConfigItem.version == version)
                                        & (AgendaConfigItem.active == True))  # noqa: E712 - a condition, not a test
                for counter, limit in moves.increments.items():
                    room = None
                    if limit is not None:
                        room = SlotCounterItem.booked.does_not_exist() | (SlotCounterItem.booked < limit)
                    txn.update(counter, _counter(counter), actions=[SlotCounterItem.booked.add(1),
                                                                    SlotCounterItem.kind.set(SlotCounterItem)],
                               condition=room)
                for counter in moves.decrements:
                    txn.update(("release", counter), _counter(counter), actions=[SlotCounterItem.booked.add(-1)],
                               condition=SlotCounterItem.booked > 0)
                for row in outbox:
                    txn.save("outbox", row)
                self._write_ticket(txn, order.id, ticket, attach_to)
                for day in days:
                    txn.save(day, technician_day_item(day), condition=_unchanged(day))
        except TransactWriteError as exc:
            raise _refusal(exc, txn.labels) from exc

    def _write_ticket(self, txn: LabelledTransaction[object], order_id: int, ticket: Ticket | None,
                      attach_to: int | None) -> None:
        """The new ticket the OS is opened with, or the OS added to the open ticket it is opened from."""
        if ticket is not None:
            txn.save("ticket", ticket_item(ticket, self._zone), condition=TicketItem.pk.does_not_exist())
        elif attach_to is not None:
            txn.update(("attach", attach_to), TicketItem(ticket_pk(attach_to), "ATENDIMENTO"),
                       actions=[TicketItem.order_ids.add({order_id}), TicketItem.version.add(1)],
                       condition=TicketItem.pk.exists() & TicketItem.closing.does_not_exist())

    def record_days(self, order: ServiceOrder, days: Sequence[TechnicianDay]) -> None:
        """Write ``days`` (an OS already booked, recorded in its technicians' days) if the OS is still at its
        version and each day at the version it was read at."""
        txn: LabelledTransaction[object] = LabelledTransaction()
        try:
            with txn:
                txn.condition_check("os", OrderItem, f"OS#{order.id}", "OS",
                                    condition=OrderItem.version == order.version)
                for day in days:
                    txn.save(day, technician_day_item(day), condition=_unchanged(day))
        except TransactWriteError as exc:
            raise _refusal(exc, txn.labels) from exc


def _unchanged(day: TechnicianDay) -> Condition:
    """The technician's day is still as it was read (optimistic concurrency, checked by DynamoDB)."""
    if day.version == 0:
        return TechnicianDayItem.pk.does_not_exist()
    return TechnicianDayItem.version == day.version


def _refusal(exc: TransactWriteError, labels: Sequence[object]) -> Exception:
    """The domain's error for a cancelled OS transaction: that of its first item (in ``labels``' order) whose
    condition failed."""
    failed = failed_conditions(exc, labels)
    if not failed:
        if conflicted(exc):
            return TransientConflictError()
        return exc  # throttling or an outage: not a rule, not the client's fault
    first = failed[0]
    if first in ("os", "history"):  # a history entry of that version exists: another change wrote the OS
        return OrderChangedError()
    if first == "ticket":
        return TicketExistsError()
    if isinstance(first, tuple) and first[0] == "attach":
        return TicketClosedError(first[1])
    if first == "agenda":
        return AgendaChangedError()
    if isinstance(first, TechnicianDay):
        return TechnicianDayChangedError()
    if isinstance(first, CounterKey):
        return CapacityExhaustedError(first)
    return RuntimeError(f"contador de agenda já estava em zero: {first!r}")


def _history_item(entry: HistoryEntry) -> OrderHistoryItem:
    return OrderHistoryItem(f"OS#{entry.order_id}", f"HIST#{entry.version:010d}", order_id=entry.order_id,
                            version=entry.version, at=entry.at, user=entry.user, action=str(entry.action),
                            detail=entry.detail)


def _message(item: OrderMessageItem) -> OrderMessage:
    return OrderMessage(id=int(item.message_id), order_id=int(item.order_id), user_id=int(item.user_id),
                        text=item.text, created_at=item.created_at, ip=item.ip, username=item.username or "")


def _counter(counter: CounterKey) -> SlotCounterItem:
    return SlotCounterItem(counters_pk(counter.agenda_id), counter.key)


def _item(order: ServiceOrder, zone: tzinfo) -> OrderItem:
    keys: dict[str, str | None] = {}
    for kind, (_, year, key) in DATE_INDEXES.items():
        moment = listing.order_date(order, kind, zone)
        keys[year] = moment.strftime("%Y") if moment else None
        keys[key] = moment_key(moment, f"{order.id:010d}") if moment else None
    interval = order.interval
    item = OrderItem(
        f"OS#{order.id}", "OS",
        agenda_pk=f"AGENDA#{order.agenda_id}" if order.agenda_id is not None and interval else None,
        agenda_sk=moment_key(interval.start, f"{order.id:010d}") if order.agenda_id is not None and interval
        else None,
        customer_pk=f"CLIENTE#{order.customer_id}", customer_sk=keys["created_key"],
        order_id=order.id, number=order.number, customer_service_id=order.customer_service_id,
        customer_id=order.customer_id, status=order.status, created_at=order.created_at,
        agenda_id=order.agenda_id,
        start=interval.start.isoformat() if interval else None,
        end=interval.end.isoformat() if interval else None,
        technician_ids=list(order.technician_ids), description=order.description, priority=order.priority,
        version=order.version, held=sorted(f"{c.agenda_id}|{c.key}" for c in order.held),
        type_id=order.type_id, ticket_id=order.ticket_id, opened_by=order.opened_by,
        opening_description=order.opening_description, availability=list(order.availability),
        unschedule_reason_id=order.unschedule_reason_id, unschedule_note=order.unschedule_note,
        closing=_closing_json(order.closing), customer=_customer_json(order.customer),
    )
    for name, value in keys.items():
        setattr(item, name, value)
    return item


def _orders(items: Iterator[OrderTableItem]) -> Iterator[ServiceOrder]:
    return (_order(i) for i in items if isinstance(i, OrderItem))


def _customer_json(customer: OrderCustomer | None) -> str | None:
    if customer is None:
        return None
    return json.dumps({"code": customer.code, "name": customer.name, "document": customer.document,
                       "service_name": customer.service_name, "address": vars(customer.address)},
                      ensure_ascii=False)


def _customer(text: str | None) -> OrderCustomer | None:
    if not text:
        return None
    data = json.loads(text)
    return OrderCustomer(code=int(data["code"]), name=data["name"], document=data["document"],
                         service_name=data["service_name"], address=Address(**data["address"]))


def _closing_json(closing: Closing | None) -> str | None:
    if closing is None:
        return None
    return json.dumps({
        "executed_start": closing.executed.start.isoformat(), "executed_end": closing.executed.end.isoformat(),
        "status": closing.status, "description": closing.description, "reason_id": closing.reason_id,
        "technician_ids": list(closing.technician_ids), "generates_cost": closing.generates_cost,
        "billing_type": closing.billing_type, "payment_method": closing.payment_method,
        "closed_by": closing.closed_by, "closed_at": closing.closed_at.isoformat() if closing.closed_at else None,
    }, ensure_ascii=False)


def _closing(text: str | None) -> Closing | None:
    if not text:
        return None
    data = json.loads(text)
    return Closing(
        executed=Interval(datetime.fromisoformat(data["executed_start"]), datetime.fromisoformat(data["executed_end"])),
        status=data["status"], description=data.get("description", ""), reason_id=data.get("reason_id"),
        technician_ids=tuple(data.get("technician_ids", ())), generates_cost=bool(data.get("generates_cost")),
        billing_type=data.get("billing_type", ""), payment_method=data.get("payment_method", ""),
        closed_by=data.get("closed_by", ""),
        closed_at=datetime.fromisoformat(data["closed_at"]) if data.get("closed_at") else None,
    )


def _order(item: OrderItem) -> ServiceOrder:
    interval = None
    if item.start and item.end:
        interval = Interval(datetime.fromisoformat(item.start), datetime.fromisoformat(item.end))
    held = frozenset(CounterKey(int(a), k) for a, _, k in (h.partition("|") for h in item.held or []))
    return ServiceOrder(
        id=int(item.order_id), number=int(item.number), customer_service_id=int(item.customer_service_id),
        customer_id=int(item.customer_id), status=item.status, created_at=item.created_at,
        agenda_id=int(item.agenda_id) if item.agenda_id is not None else None, interval=interval,
        technician_ids=tuple(int(t) for t in item.technician_ids or []), description=item.description or "",
        priority=item.priority or "normal", version=int(item.version), held=held,
        type_id=int(item.type_id) if item.type_id is not None else None,
        ticket_id=int(item.ticket_id) if item.ticket_id is not None else None,
        opened_by=item.opened_by or "", opening_description=item.opening_description or "",
        availability=tuple(item.availability or ()),
        unschedule_reason_id=int(item.unschedule_reason_id) if item.unschedule_reason_id is not None else None,
        unschedule_note=item.unschedule_note or "", closing=_closing(item.closing),
        customer=_customer(item.customer),
    )
