"""Tickets (atendimentos) in the ``service_orders`` table: ``ATENDIMENTO#<id>`` / ``ATENDIMENTO``, their
messages ``ATENDIMENTO#<id>`` / ``MSG#<message id:010d>``.

Each ticket is written with three sparse index keys, in partitions of their own (no OS item is in them):
``by_customer`` ``ATENDIMENTOS#CLIENTE#<customer id>``, ``by_service`` ``ATENDIMENTOS#SERVICO#<service id>``
and ``by_created`` ``ATENDIMENTOS#<YYYY>``, each sorted by ``<local opening moment>#<id:010d>``: a customer's,
a service's and a period's tickets are one query each (a period: one per year it touches). A protocol
names its ticket (``<YYYYMMDD><id>``), so finding one by protocol is one read. Indexes are eventually
consistent: a list may miss a ticket written a moment ago.

A change is written only at the version it was read at; a message only while its ticket is open (a
condition checked in the message's transaction).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo

from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.customers.model import Address, Holder
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.storage.binding import LabelledTransaction
from chalicelib.storage.dated import moment_key, query_years
from chalicelib.storage.errors import condition_failed, conflicted, failed_conditions
from chalicelib.storage.models import OrderTableItem, TicketItem, TicketMessageItem
from chalicelib.tickets.model import LEGACY_OPEN, PENDING, Ticket, TicketClosing, TicketMessage
from chalicelib.tickets.service import TicketChangedError, TicketClosedError

PREFIX = "ATENDIMENTOS#"
SK = "ATENDIMENTO"


def ticket_pk(ticket_id: int) -> str:
    return f"ATENDIMENTO#{ticket_id}"


class DynamoTicketStore:
    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone  # opening moments are indexed by the provider's local time

    def add(self, ticket: Ticket) -> None:
        try:
            ticket_item(ticket, self._zone).save(condition=TicketItem.pk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise ConflictError("O atendimento já existe; tente de novo.") from exc
            raise

    def get(self, ticket_id: int) -> Ticket | None:
        try:
            return _ticket(TicketItem.get(ticket_pk(ticket_id), SK, consistent_read=True))
        except TicketItem.DoesNotExist:
            return None

    def get_many(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
        """Tickets by id, in batches of 100 (BatchGetItem's limit)."""
        keys = [(ticket_pk(t), SK) for t in dict.fromkeys(ticket_ids)]
        return {int(i.ticket_id): _ticket(i) for i in TicketItem.batch_get(keys)}

    def by_customer(self, customer_id: int) -> list[Ticket]:
        return _tickets(OrderTableItem.by_customer.query(f"{PREFIX}CLIENTE#{customer_id}"))

    def by_service(self, service_id: int) -> list[Ticket]:
        return _tickets(OrderTableItem.by_service.query(f"{PREFIX}SERVICO#{service_id}"))

    def opened_between(self, first: datetime, last: datetime) -> list[Ticket]:
        """Tickets opened in [first, last] (local), by opening moment."""
        return _tickets(query_years(OrderTableItem.by_created, OrderTableItem.created_key, first, last, PREFIX))

    def write(self, ticket: Ticket, expected_version: int) -> None:
        """Replace the ticket if it is still at ``expected_version`` (``ticket`` carries the next version)."""
        condition = (TicketItem.version.does_not_exist() if expected_version == 0
                     else TicketItem.version == expected_version)
        try:
            ticket_item(ticket, self._zone).save(condition=TicketItem.pk.exists() & condition)
        except PutError as exc:
            if condition_failed(exc):
                raise TicketChangedError() from exc
            raise

    def add_message(self, message: TicketMessage) -> None:
        """Store the message if its ticket exists and is open, in one transaction."""
        txn: LabelledTransaction[str] = LabelledTransaction()
        try:
            with txn:
                txn.condition_check("ticket", TicketItem, ticket_pk(message.ticket_id), SK,
                                    condition=TicketItem.pk.exists() & TicketItem.closing.does_not_exist())
                txn.save("message", TicketMessageItem(
                    ticket_pk(message.ticket_id), f"MSG#{message.id:010d}", message_id=message.id,
                    ticket_id=message.ticket_id, user_id=message.user_id, text=message.text,
                    created_at=message.created_at, username=message.username or None),
                    condition=TicketMessageItem.pk.does_not_exist())
        except TransactWriteError as exc:
            failed = failed_conditions(exc, txn.labels)
            if failed and failed[0] == "ticket":
                if self.get(message.ticket_id) is None:
                    raise NotFoundError(f"Atendimento de ID {message.ticket_id} não encontrado") from exc
                raise TicketClosedError(message.ticket_id) from exc
            if failed or conflicted(exc):
                raise ConflictError("A mensagem não foi gravada por uma alteração simultânea; tente de novo.") \
                    from exc
            raise

    def messages(self, ticket_id: int) -> list[TicketMessage]:
        """The ticket's messages, oldest first (one query of its partition)."""
        return [_message(i) for i in OrderTableItem.query(ticket_pk(ticket_id), OrderTableItem.sk.startswith("MSG#"))
                if isinstance(i, TicketMessageItem)]


def ticket_item(ticket: Ticket, zone: tzinfo) -> TicketItem:
    """The item of ``ticket`` with its index keys (also written in an OS's opening transaction)."""
    opened = moment_key(ticket.created_at.astimezone(zone).replace(tzinfo=None), f"{ticket.id:010d}")
    closing = ticket.closing
    item = TicketItem(
        ticket_pk(ticket.id), SK, ticket_id=ticket.id, protocol=ticket.protocol,
        customer_service_id=ticket.customer_service_id, customer_id=ticket.customer_id, type_id=ticket.type_id,
        description=ticket.description, name=ticket.name, phone=ticket.phone, email=ticket.email,
        status=ticket.status, created_at=ticket.created_at, opened_by=ticket.opened_by,
        opened_by_id=ticket.opened_by_id, responsible_id=ticket.responsible_id,
        parameters=json.dumps(dict(ticket.parameters), ensure_ascii=False) if ticket.parameters else None,
        order_ids=set(ticket.order_ids) or None,
        closing=json.dumps({
            "closed_at": closing.closed_at.isoformat(), "status": closing.status, "description": closing.description,
            "reason_id": closing.reason_id, "closed_by": closing.closed_by, "closed_by_id": closing.closed_by_id,
        }, ensure_ascii=False) if closing else None,
        customer=_customer_json(ticket), version=ticket.version,
    )
    item.customer_pk = f"{PREFIX}CLIENTE#{ticket.customer_id}"
    item.customer_sk = opened
    item.service_pk = f"{PREFIX}SERVICO#{ticket.customer_service_id}"
    item.service_sk = opened
    item.created_year = f"{PREFIX}{opened[:4]}"
    item.created_key = opened
    return item


def _customer_json(ticket: Ticket) -> str | None:
    if ticket.holder is None and ticket.address is None:
        return None
    holder = ticket.holder
    return json.dumps({
        "holder": {"code": holder.code, "name": holder.name, "document": holder.document} if holder else None,
        "service_name": ticket.service_name, "address": vars(ticket.address) if ticket.address else None,
    }, ensure_ascii=False)


def _tickets(items: Iterable[OrderTableItem]) -> list[Ticket]:
    return [_ticket(i) for i in items if isinstance(i, TicketItem)]


def _ticket(item: TicketItem) -> Ticket:
    copy = json.loads(item.customer) if item.customer else {}
    holder = copy.get("holder")
    closing = json.loads(item.closing) if item.closing else None
    return Ticket(
        id=int(item.ticket_id), protocol=item.protocol, customer_service_id=int(item.customer_service_id),
        customer_id=int(item.customer_id), type_id=int(item.type_id), description=item.description,
        name=item.name, phone=item.phone, email=item.email or "",
        status=PENDING if item.status == LEGACY_OPEN else item.status,
        created_at=item.created_at, opened_by=item.opened_by or "",
        opened_by_id=int(item.opened_by_id) if item.opened_by_id is not None else None,
        responsible_id=int(item.responsible_id) if item.responsible_id is not None else None,
        parameters=tuple(json.loads(item.parameters).items()) if item.parameters else (),
        order_ids=tuple(sorted(int(i) for i in item.order_ids or ())),
        closing=TicketClosing(
            closed_at=datetime.fromisoformat(closing["closed_at"]), status=closing["status"],
            description=closing.get("description", ""), reason_id=closing.get("reason_id"),
            closed_by=closing.get("closed_by", ""), closed_by_id=closing.get("closed_by_id"),
        ) if closing else None,
        holder=Holder(int(holder["code"]), holder["name"], holder["document"]) if holder else None,
        service_name=copy.get("service_name", ""),
        address=Address(**copy["address"]) if copy.get("address") else None,
        version=int(item.version or 0),
    )


def _message(item: TicketMessageItem) -> TicketMessage:
    return TicketMessage(id=int(item.message_id), ticket_id=int(item.ticket_id), user_id=int(item.user_id),
                         text=item.text, created_at=item.created_at, username=item.username or "")
