"""The charge metrics through the app: an operator's one-off charge counts
its outcome once, and the request that made it publishes the count; the
billing events it raises keep the request's correlation id."""
from __future__ import annotations

import json

import pytest

from chalicelib.ports import CHARGES_APPROVED, CHARGES_DECLINED, CHARGES_ERRORED
from chalicelib.storage.models import BillingOutboxItem
from tests.fakes import CountingMetrics
from tests.functional.billing.support import cielo_on
from tests.functional.billing.test_invoices_http import INVOICES, charge, invoice, with_card
from tests.functional.conftest import Http
from tests.integration.test_simulators import luhn_number


@pytest.mark.parametrize("ending, status, metric", [
    (0, "aprovado", CHARGES_APPROVED),
    (2, "recusado", CHARGES_DECLINED),
    (6, "processando", CHARGES_ERRORED),  # Cielo's sandbox times out: the outcome is unknown
])
def test_a_one_off_charge_publishes_its_outcome_with_its_request(admin: Http, metrics: CountingMetrics,
                                                                 ending: int, status: str, metric: str) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", ending))
    invoice_id = invoice(admin)
    published_before = len(metrics.published)
    answer = charge(admin, invoice_id)
    assert answer["processamento"]["status"] == status
    assert metrics.published[published_before:] == [{metric: 1}]  # one flush, by the charge's request
    assert metrics.total() == {metric: 1}


def test_the_billing_events_of_a_charge_keep_its_requests_id(admin: Http) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    invoice_id = invoice(admin)
    answer = admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao",
                           headers={"X-Request-Id": "cobranca-do-operador"})
    assert answer.json["processamento"]["status"] == "aprovado"
    outbox = [(json.loads(item.body)["type"], item.correlation_id) for item in BillingOutboxItem.query("OUTBOX")]
    assert outbox == [("pagamento_aprovado", "cobranca-do-operador")]  # the relay publishes it under this id
