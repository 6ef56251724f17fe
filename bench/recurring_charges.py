"""Recurring card charges at scale: the hourly tick's charge job and the charge consumer.

For ``--invoices`` invoices (100,000 by default), 1 % of them due today, prints:

1. items the tick's charge job reads per due invoice (target ≤ 1.1: it reads the ``by_charge_day`` index
   entries of the due invoices, never the other invoices);
2. SQS send calls the tick makes (target ≤ due/10 + 1: batches of ten);
3. the charge consumer's wall time for one batch of ten messages, each sale answered by the Cielo simulator
   after 300 ms, over one gateway call (target ≤ 2: the charges of a batch run concurrently);

and the Scan calls (must be 0), how long setup took, and references for the batch (one message alone, a batch
without the latency). Everything runs in process: moto for AWS, the Cielo simulator on loopback; see
bench/README.md for the method and its caveats (moto's CPU cost per call bounds the batch figure from above).

    .venv/bin/python bench/recurring_charges.py [--invoices 100000]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import threading
import urllib.request
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")

import boto3  # noqa: E402
from aws_calls import calls, items_read, measured  # noqa: E402  (the counting of AWS calls, shared)
from moto import mock_aws  # noqa: E402

from chalicelib.billing.cards.service import NewCard  # noqa: E402
from chalicelib.billing.gateways.settings import CIELO, SANDBOX, GatewayChange  # noqa: E402
from chalicelib.billing.invoices.service import OPEN, PAID, SUSPENSION, WARNING, Invoice  # noqa: E402
from chalicelib.clock import fixed_clock  # noqa: E402
from chalicelib.config import Settings  # noqa: E402
from chalicelib.container import Container, build_container, use_container  # noqa: E402
from chalicelib.customers.model import Address, NewCustomer, NewService  # noqa: E402
from chalicelib.entrypoints import consume  # noqa: E402
from chalicelib.queues import CHARGES, queue_name  # noqa: E402
from chalicelib.storage.billing import _invoice_item  # noqa: E402
from chalicelib.storage.models import InvoiceItem  # noqa: E402
from infra.definition import create_resources  # noqa: E402
from sandbox.aws import serialize_dynamodb_requests  # noqa: E402
from sandbox.lambda_events import sqs_event  # noqa: E402
from sandbox.simulators.cielo import CieloSimulator  # noqa: E402

SETTINGS = Settings(region="us-east-1", stage="bench", timezone="America/Sao_Paulo", log_level="WARNING",
                    password_hash_profile="fast", gateway_read_timeout=5.0)
NOW = datetime(2026, 12, 10, 13, tzinfo=UTC)  # the tick's event time: 10:00 in São Paulo
TODAY = date(2026, 12, 10)
LATENCY = 0.3  # seconds the simulated gateway takes to answer a sale
BATCH = 10  # the charges queue's BatchSize
CUSTOMERS = 20  # the due invoices belong to these (round robin), each with a card and recurring payment on
VISA = "4024007197692931"  # the simulator approves card numbers ending 0, 1 or 4
SPREAD = 182  # the other invoices fall due on the days within this many days of today (today excluded)



_light = threading.local()


def _transactions_without_table_copies() -> None:
    """moto backs up every table a TransactWriteItems writes to (``copy.deepcopy`` of the whole table, stream
    records included) to undo the transaction if it is cancelled: seconds per transaction with 100,000
    invoices, a cost DynamoDB does not have, paid under the lock that serializes moto's DynamoDB. Back up only
    the items the transaction writes instead (moto still undoes a cancelled transaction; only the stream
    records it wrote stay)."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "bench", False):
        return
    whole_table_copy = backend.transact_write_items

    class ItemCopies:  # the ``copy`` module as moto's backend sees it: no whole table inside the wrapper below
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            if getattr(_light, "on", False) and isinstance(value, Table):
                return value
            return copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        undo = []
        try:
            for entry in transact_items:
                op = next(iter(entry.values()))
                table = self.get_table(op["TableName"])
                key = op.get("Key") or {name: op["Item"][name]
                                        for name in (table.hash_key_attr, table.range_key_attr) if name}
                hash_key, range_key = self.get_keys_value(table, key)
                undo.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        except Exception:  # noqa: BLE001 - a malformed request: moto answers it as it always does
            return whole_table_copy(self, transact_items)
        _light.on = True
        try:
            whole_table_copy(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(undo):
                place = table.items[hash_key] if range_key is not None else table.items
                slot = range_key if range_key is not None else hash_key
                if item is None:
                    place.pop(slot, None)
                else:
                    place[slot] = item
            raise
        finally:
            _light.on = False

    transact_write_items.bench = True  # type: ignore[attr-defined]
    models.copy = ItemCopies  # type: ignore[assignment]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000, help="invoices in the table (1%% due today)")
    total = max(parser.parse_args().invoices, 100 * (3 * BATCH + 1))  # the consumer takes 3 * BATCH + 1
    due = total // 100
    cielo = CieloSimulator()
    cielo.start()
    serialize_dynamodb_requests()  # the consumer's threads: give in-process moto DynamoDB's isolation
    _transactions_without_table_copies()
    settings = replace(SETTINGS, gateway_urls=(("CIELO_API_URL", cielo.url), ("CIELO_QUERY_URL", cielo.url)))
    try:
        with mock_aws():
            started = perf_counter()
            create_resources(boto3.session.Session(region_name="us-east-1"))
            container = build_container(settings, clock=fixed_clock(NOW))
            services = _customers(container)
            customers = perf_counter() - started
            due_ids = _invoices(services, total, due)
            setup = perf_counter() - started
            print(f"Cobranças recorrentes: {total:,} faturas, {due:,} vencendo hoje ({TODAY.isoformat()}), "
                  f"contra o moto em processo e o simulador Cielo")
            print(f"  preparação {setup:.1f} s: {CUSTOMERS} clientes com cartão e recorrência pelos serviços "
                  f"{customers:.1f} s, as faturas por batch_write {setup - customers:.1f} s")
            _tick(container, due)
            _consumer(container, cielo, due_ids)
    finally:
        cielo.stop()
    return 0


def _tick(container: Container, due: int) -> None:
    started = perf_counter()
    with measured():
        summary = container.tick_jobs["cobrancas_recorrentes"](NOW)
    elapsed = perf_counter() - started
    read = sum(items_read.values())
    per_due = read / due
    sends = calls["sqs:SendMessageBatch"] + calls["sqs:SendMessage"]
    send_target = due // BATCH + 1
    scans = sum(n for k, n in calls.items() if k.endswith(":Scan"))
    detail = ", ".join(f"{k}×{n}" for k, n in sorted(calls.items()))
    print(f"  Tick (cobrancas_recorrentes) em {elapsed:.1f} s: {json.dumps(dict(summary), ensure_ascii=False)}")
    print(f"      {detail}")
    print(f"  itens lidos por fatura vencida   {per_due:.3f} ({read} itens / {due} faturas; meta ≤ 1.1) "
          f"{verdict(per_due <= 1.1 and summary.get('enfileiradas') == due)}")
    print(f"  envios ao SQS pelo tick          {sends} (meta ≤ {send_target}) {verdict(sends <= send_target)}")
    print(f"  Scan no tick                     {scans} (meta 0) {verdict(scans == 0)}")


class ChargesQueue:
    """The charges queue as the consumer Lambda sees it: batches received from SQS, handed to ``consume``."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.url = self.sqs.get_queue_url(QueueName=queue_name(CHARGES))["QueueUrl"]
        self.arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    def receive(self, count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while len(got) < count:  # SQS may answer fewer than asked for
            got += self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=count - len(got),
                                            AttributeNames=["All"], VisibilityTimeout=300).get("Messages", [])
        return got

    def consume(self, messages: list[dict[str, Any]]) -> tuple[float, list[Any]]:
        """Wall time of the consumer on ``messages`` (one Lambda invocation) and its failed messages; its AWS
        calls are left in ``calls``."""
        records = sqs_event(messages, self.arn)["Records"]
        with use_container(self.container), measured():
            started = perf_counter()
            answer = consume(CHARGES, records)
            return perf_counter() - started, list(answer["batchItemFailures"])

    def delete(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])


def _consumer(container: Container, cielo: CieloSimulator, due_ids: set[int]) -> None:
    queue = ChargesQueue(container)
    failures: list[Any] = []

    def timed(count: int, latency: bool) -> tuple[float, list[dict[str, Any]]]:
        messages = queue.receive(count)
        if latency:
            cielo.inject("POST /1/sales", "slow_after_processing", seconds=LATENCY, times=count)
        elapsed, failed = queue.consume(messages)
        failures.extend(failed)
        queue.delete(messages)
        return elapsed, messages

    timed(BATCH, latency=False)  # warm-up: clients, KMS, the gateway's connection pool (as in a warm Lambda)
    single, _ = timed(1, latency=True)
    per_message = ", ".join(f"{k}×{n}" for k, n in sorted(calls.items()))
    single_calls = sum(calls.values())
    bare, _ = timed(BATCH, latency=False)
    sales_before = _sales(cielo)
    elapsed, messages = timed(BATCH, latency=True)
    scans = sum(n for k, n in calls.items() if k.endswith(":Scan"))
    ratio = elapsed / LATENCY
    print(f"  consumidor, lote de {BATCH} mensagens {elapsed * 1000:.0f} ms = {ratio:.2f}× uma chamada ao gateway de "
          f"{LATENCY * 1000:.0f} ms (meta ≤ 2) {verdict(ratio <= 2)}")
    print(f"      uma mensagem só: {single * 1000:.0f} ms ({single / LATENCY:.2f}×); outro lote de {BATCH} sem a "
          f"latência do gateway: {bare * 1000:.0f} ms (moto em processo + código)")
    print(f"      o lote com latência menos o lote sem ela: {(elapsed - bare) * 1000:.0f} ms = "
          f"{(elapsed - bare) / LATENCY:.2f}× uma chamada ao gateway (as {BATCH} esperas se sobrepõem se ≈ 1×; "
          f"em série seriam ≈ {BATCH}×)")
    print(f"      chamadas AWS por mensagem: {single_calls} ({per_message}); lote: {sum(calls.values())}")
    print(f"  Scan no consumidor               {scans} (meta 0) {verdict(scans == 0)}")
    invoice_ids = [int(json.loads(m["Body"])["payload"]["id_fatura"]) for m in messages]
    statuses = Counter(container.invoices.get(i).status for i in invoice_ids)
    sales = _sales(cielo) - sales_before
    pending = _pending_faults(cielo)
    ok = (statuses == Counter({PAID: BATCH}) and set(invoice_ids) <= due_ids and sales == BATCH and not pending
          and not failures)
    print(f"  conferência: faturas do lote {dict(statuses)}; vendas no simulador {sales}; atrasos não consumidos "
          f"{pending}; mensagens com falha {len(failures)} {verdict(ok)}")


def _sales(cielo: CieloSimulator) -> int:
    return sum(1 for r in cielo.requests if r.method == "POST" and r.path.rstrip("/") == "/1/sales")


def _pending_faults(cielo: CieloSimulator) -> int:
    with urllib.request.urlopen(f"{cielo.url}/__sandbox/faults", timeout=5) as answer:
        return len(json.load(answer))


def _customers(container: Container) -> list[tuple[int, int]]:
    """``CUSTOMERS`` customers, each with a service, a card and recurring payment on: [(customer, service)]."""
    container.gateway_settings.configure(GatewayChange(
        CIELO, active=True, environment=SANDBOX, allows_auto_recurrence=True,
        credentials={"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID,
                     "merchant_key": CieloSimulator.DEFAULT_MERCHANT_KEY}), "bench")
    services = []
    for n in range(CUSTOMERS):
        customer = container.customers.register(NewCustomer(
            name=f"Cliente {n}", document=_cpf(n), phone="11987654321", email="",
            services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
        container.cards.add(customer.id, NewCard(VISA, "Maria da Silva", 12, 2031))
        service_id = customer.services[0].id
        container.recurring.choose(service_id, True, None)
        services.append((customer.id, service_id))
    return services


def _invoices(services: list[tuple[int, int]], total: int, due: int) -> set[int]:
    """``total`` invoices, every ``total // due``-th due today (open, try due today); the others fall due on
    other days: open with their try pending on their due day when later, paid (or open with both tries used)
    when earlier. Returns the ids of those due today."""
    step = total // due
    due_ids: set[int] = set()
    with InvoiceItem.batch_write() as batch:
        for invoice_id in range(1, total + 1):
            if invoice_id % step == 0 and len(due_ids) < due:
                customer_id, service_id = services[len(due_ids) % len(services)]
                due_ids.add(invoice_id)
                offset = 0
            else:
                customer_id, service_id = services[invoice_id % len(services)]
                offset = invoice_id % (2 * SPREAD) - SPREAD
                offset = offset + 1 if offset >= 0 else offset  # never today
            batch.save(_invoice_item(_invoice(invoice_id, customer_id, service_id, TODAY + timedelta(days=offset)),
                                     SETTINGS.zone))
    return due_ids


def _invoice(invoice_id: int, customer_id: int, service_id: int, due_date: date) -> Invoice:
    invoice = Invoice(id=invoice_id, customer_service_id=service_id, customer_id=customer_id, amount_cents=9990,
                      due_date=due_date, description="Mensalidade Fibra", status=OPEN,
                      created_at=datetime.combine(due_date - timedelta(days=20), datetime.min.time(), UTC),
                      dunning_step=WARNING, dunning_on=due_date + timedelta(days=5),
                      suspend_on=due_date + timedelta(days=15))
    if due_date >= TODAY:
        return replace(invoice, next_charge=due_date)
    if invoice_id % 10:
        paid_at = datetime.combine(due_date, datetime.min.time(), UTC) + timedelta(hours=12)
        return replace(invoice, status=PAID, paid_at=paid_at, paid_cents=9990, payment_method="pix", version=3,
                       dunning_step=None, dunning_on=None)
    # A late payer: both recurring tries declined, the invoice waits for dunning.
    return replace(invoice, recurring_tries=2, card_attempts=2, version=5, dunning_step=SUSPENSION,
                   dunning_on=due_date + timedelta(days=15))


def _cpf(seed: int) -> str:
    """A valid CPF (check digits computed) for customer ``seed``."""
    digits = [int(d) for d in f"{700000000 + seed:09d}"]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=True))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, digits))


if __name__ == "__main__":
    sys.exit(main())
