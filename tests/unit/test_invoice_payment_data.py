"""Payment data checks, the charge kind (tipo_cobranca) and a statement's selection (billing.invoices)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing.invoices.listing import AMOUNT, PAID, StatementQuery, selected
from chalicelib.billing.invoices.payment_data import (
    PaymentData,
    PaymentDataChange,
    charge_kind,
    clean_digits,
    problems,
)
from chalicelib.billing.invoices.service import CANCELLED, OPEN, Invoice
from chalicelib.billing.invoices.service import PAID as PAID_STATUS

LINE = "23793381286000000000300000000400184340000009990"
PIX = "00020101021226860014br.gov.bcb.pix2564pix.exemplo.com.br/qr/v2/7310520400005303986540599.905802BR6304AB"
ZONE = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize("change, fragment", [
    (PaymentDataChange(digitable_line=LINE[:-1]), "linha_digitavel"),
    (PaymentDataChange(digitable_line=LINE[:-1] + "x"), "linha_digitavel"),
    (PaymentDataChange(barcode="1" * 43), "codigo_barras"),
    (PaymentDataChange(pix_code="000201" + "x" * 10), "pix_copia_cola"),
    (PaymentDataChange(pix_code="999999" + PIX[6:]), "pix_copia_cola"),
    (PaymentDataChange(pix_code=PIX + "x" * 500), "pix_copia_cola"),
    (PaymentDataChange(link="http://boletos.exemplo.com.br/1"), "link"),
    (PaymentDataChange(link="https://localhost/1"), "link"),
    (PaymentDataChange(bank_number="x" * 31), "nosso_numero"),
])
def test_malformed_payment_data_is_named(change: PaymentDataChange, fragment: str) -> None:
    [problem] = problems(change)
    assert fragment in problem


def test_well_formed_payment_data_passes_and_lines_are_cleaned() -> None:
    assert problems(PaymentData(LINE, "1" * 44, PIX, "https://boletos.exemplo.com.br/1", "0007310-1")) == []
    assert problems(PaymentDataChange(digitable_line=LINE + "1")) == []  # 48: a collection slip
    assert clean_digits("23793.38128 60000.000003-0") == "2379338128600000000030"
    assert PaymentData(LINE).merged(PaymentDataChange(digitable_line="", link="https://a.com.br")) == \
        PaymentData(link="https://a.com.br")


def test_charge_kind_card_first_then_boleto_then_pix() -> None:
    assert charge_kind(PaymentData(LINE, pix_code=PIX), "", "Visa •••• 1234") == "cartao_credito"
    assert charge_kind(PaymentData(), "cartao_credito", "") == "cartao_credito"
    assert charge_kind(PaymentData(LINE, pix_code=PIX), "pix", "") == "boleto_bancario"
    assert charge_kind(PaymentData(pix_code=PIX), "", "") == "pix"
    assert charge_kind(PaymentData(link="https://a.com.br"), "", "") == "carteira"


def invoice(invoice_id: int, due: date, status: str = OPEN, cents: int = 9990,
            paid_at: datetime | None = None) -> Invoice:
    return Invoice(invoice_id, 1, 1, cents, due, "", status, datetime(2026, 11, 1, 12, tzinfo=UTC), paid_at=paid_at)


def test_a_statement_filters_orders_and_limits() -> None:
    paid = invoice(1, date(2026, 11, 10), PAID_STATUS, paid_at=datetime(2026, 11, 11, 1, tzinfo=UTC))
    late, cheap = invoice(2, date(2026, 12, 10), cents=12000), invoice(3, date(2026, 12, 10), cents=5000)
    gone = invoice(4, date(2026, 10, 10), CANCELLED)
    every = [gone, cheap, late, paid]
    assert selected(every, StatementQuery(), ZONE) == [late, cheap]  # same due date: by id
    assert selected(every, StatementQuery(pending_only=False), ZONE) == [paid, late, cheap]
    assert selected(every, StatementQuery(pending_only=False, order_by=AMOUNT, descending=True), ZONE) == \
        [late, paid, cheap]
    # without a payment date: last, whatever the direction
    assert selected(every, StatementQuery(pending_only=False, order_by=PAID, descending=True), ZONE) == \
        [paid, late, cheap]
    # paid at 22:00 of 10/11 in São Paulo
    assert selected(every, StatementQuery(pending_only=False, date_kind=PAID, first=date(2026, 11, 10),
                                          last=date(2026, 11, 10)), ZONE) == [paid]
    assert selected(every, StatementQuery(limit=1), ZONE) == [late]
