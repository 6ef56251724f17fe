"""Trust unlock against moto's server: of racing unlocks of a service allowed one a month exactly one is written
(with its one event), overlapping ticks suspend it again once, and the tick finds the trusts ending on a day
through the billing table's dunning index (``confianca#<day>``), which the invoices' dunning steps do not see."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from chalicelib.billing.invoices.service import SUSPENSION, WARNING, NewInvoice
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import BusinessRuleError, ConflictError
from chalicelib.storage.billing import DynamoBillingStore
from chalicelib.storage.models import BillingOutboxItem, BillingTableItem, ServiceItem
from chalicelib.storage.trust import DynamoTrustStore
from tests.integration.test_races import race

TICK = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo, the tests' clock


def suspended_service(container: Container, document: str = "52998224725") -> tuple[int, int]:
    """A service whose profile allows one unlock a month of up to 3 days, suspended by its invoice: (service,
    invoice)."""
    profiles = container.suspension_profiles
    if not any(p.default and p.id for p in profiles.list()):
        profiles.create("Confiança", 0, 1, True, trust_days=3, trust_per_month=1)
    customer = container.customers.register(NewCustomer(
        name="Cliente Confiança", document=document, phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    service_id = customer.services[0].id
    invoice = container.invoices.create(NewInvoice(service_id, 9990, date(2026, 12, 8)))
    assert container.tick_jobs["suspensao"](TICK)["suspensoes"] >= 1
    return service_id, invoice.id


def events(kind: str) -> list[dict[str, object]]:
    bodies = [json.loads(i.body) for i in BillingTableItem.query("OUTBOX") if isinstance(i, BillingOutboxItem)]
    return [b["payload"] for b in bodies if b["type"] == kind]


def test_racing_unlocks_of_a_one_a_month_service_write_exactly_one(server_stack: Container) -> None:
    service_id, _ = suspended_service(server_stack)
    unlocks = server_stack.trust_unlocks

    wins, losses = race(lambda i: unlocks.unlock(service_id, 1 + i % 3))
    assert len(wins) == 1, (wins, losses)
    assert losses and all(isinstance(e, BusinessRuleError) for e in losses), losses
    # a loser read again and saw the winner's unlock (or, rarely, gave up on DynamoDB's transaction conflicts)
    assert all("já está desbloqueado em confiança" in e.message or isinstance(e, ConflictError)
               for e in losses if isinstance(e, BusinessRuleError))
    [event] = events("desbloqueio_confianca")
    assert event["desbloqueio_ate"] == wins[0].until.isoformat()
    item = ServiceItem.get(f"SERVICE#{service_id}", "SERVICE", consistent_read=True)
    assert (item.trusted_until, item.trust_month, int(item.trust_count)) == (
            wins[0].until.isoformat(), "2026-12", 1)
    [customer] = server_stack.customers.search("id_cliente_servico", str(service_id), 1)
    assert customer.services[0].trusted_until == wins[0].until  # both copies of the service changed


def test_overlapping_ticks_suspend_again_once(server_stack: Container) -> None:
    service_id, _ = suspended_service(server_stack)
    server_stack.trust_unlocks.unlock(service_id, 2)
    end = datetime(2026, 12, 12, 3, 30, tzinfo=UTC)  # 00:30 of the 12th in São Paulo

    reports, losses = race(lambda _: server_stack.trust_unlocks.run(end), threads=4)
    assert not losses, losses
    assert sum(int(r["suspensos_novamente"]) for r in reports) == 1, reports
    assert len(events("servico_suspenso")) == 2  # the first suspension and this one
    assert server_stack.customers.search("id_cliente_servico", str(service_id), 1)[0].services[0].status == \
        "servico_suspenso"


def test_the_tick_reads_trusts_by_their_end_day_and_invoices_never_see_them(server_stack: Container) -> None:
    first, _ = suspended_service(server_stack)
    second, invoice_id = suspended_service(server_stack, "11144477735")
    server_stack.trust_unlocks.unlock(first, 2)
    server_stack.trust_unlocks.unlock(second, 3)
    store = DynamoTrustStore()
    assert [e.service_id for e in store.ending_on(date(2026, 12, 12))] == [first]
    assert [e.service_id for e in store.ending_on(date(2026, 12, 13))] == [second]
    assert list(store.ending_on(date(2026, 12, 11))) == []
    billing = DynamoBillingStore()  # the dunning steps read the same index
    for step in (WARNING, SUSPENSION):
        for day in (date(2026, 12, 12), date(2026, 12, 13)):
            assert list(billing.dunning_on(step, day)) == []

    server_stack.invoices.cancel(invoice_id)  # the second service owes nothing now
    report = server_stack.trust_unlocks.run(datetime(2026, 12, 13, 13, 0, tzinfo=UTC))
    assert report == {"suspensos_novamente": 1, "encerrados_pagos": 1}
    assert list(store.ending_on(date(2026, 12, 12))) == list(store.ending_on(date(2026, 12, 13))) == []
    statuses = {s: server_stack.customers.search("id_cliente_servico", str(s), 1)[0].services[0].status
                for s in (first, second)}
    assert statuses == {first: "servico_suspenso", second: "servico_habilitado"}
