"""Trust unlocks (``billing.suspension.trust``): the state on the service's two items (``customers`` table:
``trusted_until``, ``trust_month``, ``trust_count``) and the tick's list of trusts ending on a day (``billing``
table: ``SERVICO#<id>`` / ``CONFIANCA``, in the ``by_dunning_day`` index under ``confianca#<day>``).

An unlock writes both copies of the service (conditioned on the one read by id: suspended, not unlocked, the
month's count as read), the list entry and the event's outbox row in one transaction. Ending one clears the
service's trust on the condition that it still ends that day and is still (or no longer) suspended as read, and
deletes the entry, in one transaction.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.billing.suspension.trust import TrustEnd, TrustRecord
from chalicelib.queues import Message
from chalicelib.storage.binding import LabelledTransaction, commit_labelled
from chalicelib.storage.customers import service_from_item
from chalicelib.storage.models import BillingOutboxItem, BillingTableItem, ServiceItem, TrustEndItem
from chalicelib.storage.outbox import outbox_row

TRUST_DAY = "confianca"  # the key prefix of the trusts ending on a day, in ``by_dunning_day``


class DynamoTrustStore:
    def trust_of(self, service_id: int) -> TrustRecord | None:
        try:
            item = ServiceItem.get(f"SERVICE#{service_id}", "SERVICE", consistent_read=True)
        except ServiceItem.DoesNotExist:
            return None
        return TrustRecord(service=service_from_item(item),
                           suspended_by=frozenset(int(i) for i in item.suspended_by or ()),
                           trusted_until=date.fromisoformat(item.trusted_until) if item.trusted_until else None,
                           month=item.trust_month, count=int(item.trust_count or 0))

    def unlock(self, read: TrustRecord, until: date, month: str, count: int, event: Message) -> bool:
        service = read.service
        counted = (ServiceItem.trust_month.does_not_exist() if read.month is None
                   else ServiceItem.trust_month == read.month)
        counted &= (ServiceItem.trust_count.does_not_exist() if read.month is None
                    else ServiceItem.trust_count == read.count)
        condition = ServiceItem.suspended_by.exists() & ServiceItem.trusted_until.does_not_exist() & counted
        actions: list[Action] = [ServiceItem.trusted_until.set(until.isoformat()), ServiceItem.trust_month.set(month),
                                 ServiceItem.trust_count.set(count)]

        def write(txn: LabelledTransaction[str]) -> None:
            _on_service(txn, service.id, service.customer_id, actions, condition)
            txn.save("entry", TrustEndItem(f"SERVICO#{service.id}", "CONFIANCA", dunning_day=_day_key(until),
                                  dunning_sk=f"{service.id:010d}", service_id=service.id,
                                  customer_id=service.customer_id, until=until.isoformat()))
            txn.save("event", outbox_row(BillingOutboxItem, event, datetime.now(UTC)))

        return not commit_labelled(write)

    def ending_on(self, day: date) -> Iterator[TrustEnd]:
        for item in BillingTableItem.by_dunning_day.query(_day_key(day)):
            if isinstance(item, TrustEndItem):
                yield TrustEnd(int(item.service_id), int(item.customer_id), date.fromisoformat(item.until))

    def end(self, ending: TrustEnd, suspended: bool | None, events: Sequence[Message] = ()) -> bool:
        def write(txn: LabelledTransaction[str]) -> None:
            txn.delete("entry", TrustEndItem(f"SERVICO#{ending.service_id}", "CONFIANCA"),
                       condition=TrustEndItem.until == ending.until.isoformat())
            if suspended is not None:
                owing = ServiceItem.suspended_by.exists() if suspended else ServiceItem.suspended_by.does_not_exist()
                _on_service(txn, ending.service_id, ending.customer_id, [ServiceItem.trusted_until.remove()],
                            (ServiceItem.trusted_until == ending.until.isoformat()) & owing)
            now = datetime.now(UTC)
            for event in events:
                txn.save("event", outbox_row(BillingOutboxItem, event, now))

        return not commit_labelled(write)


def _on_service(txn: LabelledTransaction[str], service_id: int, customer_id: int, actions: list[Action],
                condition: Condition) -> None:
    """Both copies of the service, on ``condition`` over the one read by id."""
    txn.update("service", ServiceItem(f"SERVICE#{service_id}", "SERVICE"), actions=actions, condition=condition)
    txn.update("copy", ServiceItem(f"CUSTOMER#{customer_id}", f"SERVICE#{service_id:010d}"), actions=actions,
               condition=ServiceItem.pk.exists())


def _day_key(day: date) -> str:
    return f"{TRUST_DAY}#{day.isoformat()}"
