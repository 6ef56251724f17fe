"""Card-number-length digit runs in what a gateway says are masked on every path its words take: the refusal,
the charge result, the attempt (stored, shown on the charge panel, put in the customer's event), the card's
"refused for good" reason, the notification text and the charge consumer's failure note. Attempts and cards
stored before the mask widened are masked when read. The wire-level paths (each adapter's parsing) are
tests/integration/test_refusal_masking.py."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.billing import events
from chalicelib.billing.cards.numbers import without_card_numbers
from chalicelib.billing.cards.service import Card
from chalicelib.billing.charging.charges import ChargeAttempt
from chalicelib.billing.charging.declines import Classification, Outcome
from chalicelib.billing.gateways import CardRefusedByIssuer, ChargeResult, GatewayRefusal
from chalicelib.billing.invoices.service import Invoice
from chalicelib.notify import templates

PAN = "4024007197692931"
AT = datetime(2026, 12, 10, 13, tzinfo=UTC)
# The same number as gateways and people print it.
SPELLINGS = [PAN, "4024 0071 9769 2931", "4024-0071-9769-2931", "4024.0071.9769.2931", "4024 0071-9769 2931",
             "4024  0071  9769  2931", "4024 - 0071 - 9769 - 2931", "402400719769", "5555 5555 5555 4444",
             "3782 822463 10005", "6062825624254001234",
             "４０２４００７１９７６９２９３１"]


@pytest.mark.parametrize("number", SPELLINGS)
def test_card_numbers_are_masked_however_they_are_spelt(number: str) -> None:
    masked = without_card_numbers(f"Cartao {number} invalido")
    assert masked == "Cartao **** invalido"


@pytest.mark.parametrize("text", [
    "pedido 20261210001",  # 11 digits: order ids, NSUs and authorization codes stay readable
    "NSU 123456 autorizacao 654321 tid 10069930",
    "Recebida em 2026-12-10 10:00:05",
    "ABCDEF1234F12T1",
    "valor R$ 1.234,56",
])
def test_shorter_numbers_stay(text: str) -> None:
    assert without_card_numbers(text) == text


def test_a_longer_run_is_masked_whole() -> None:
    # A card number inside a longer run leaves no digits of it behind.
    assert without_card_numbers(f"ref 99{PAN}12345") == "ref ****"


def test_refusals_and_results_mask_whatever_built_them() -> None:
    refused = GatewayRefusal(f"E{SPELLINGS[1]}", f"Cartão {SPELLINGS[2]} inválido")
    assert (refused.code, refused.message, str(refused)) == ("E****", "Cartão **** inválido",
                                                             "E****: Cartão **** inválido")
    issuer = CardRefusedByIssuer("57", f"Cartao {SPELLINGS[3]} expirado")
    assert issuer.message == "Cartao **** expirado"
    result = ChargeResult(Classification(Outcome.RETRYABLE, SPELLINGS[1], "Nova tentativa amanhã."), return_code=PAN,
                          return_message=f"Nao autorizada {SPELLINGS[1]}")
    assert (result.return_code, result.return_message) == ("****", "Nao autorizada ****")
    assert result.classification == Classification(Outcome.RETRYABLE, "****", "Nova tentativa amanhã.")
    assert PAN not in repr(result) and SPELLINGS[1] not in repr(result)


def attempt(message: str, status: str = "recusado") -> ChargeAttempt:
    return ChargeAttempt(order_id="ABCDEFGHIJF1T1", invoice_id=1, number=1, customer_id=1, customer_name="Maria",
                         card_id=1, card_display="Visa •••• 2931", gateway="cielo", amount_cents=9990,
                         recurring=True, status=status, created_at=AT, outcome=Outcome.RETRYABLE.value,
                         return_code="05", return_message=message, try_number=1)


@pytest.mark.parametrize("number", SPELLINGS)
def test_an_attempt_never_holds_a_card_number(number: str) -> None:
    # However it is built: by the charge service, or read back as stored before the mask widened.
    found = attempt(f"Nao autorizada: cartao {number}")
    assert found.return_message == "Nao autorizada: cartao ****"
    assert number not in repr(found)


def test_the_customers_event_and_message_carry_the_masked_words() -> None:
    invoice = Invoice(id=7, customer_service_id=1, customer_id=1, amount_cents=9990, due_date=date(2026, 12, 10),
                      description="", status="aberta", created_at=AT, next_charge=date(2026, 12, 11))
    [event] = events.after_attempt(attempt(f"Nao autorizada {SPELLINGS[1]}"), invoice, "Nova tentativa amanhã.",
                                   lambda: "evento-1")
    assert event.payload["mensagem_retorno"] == "Nao autorizada ****"
    # An event raised before the mask widened (already in the outbox or the queue) is masked when rendered.
    legacy = {**event.payload, "mensagem_retorno": f"Nao autorizada {SPELLINGS[2]}"}
    kind = templates.EVENTS[events.PAYMENT_DECLINED]
    variables = templates.variables_of(kind, legacy, "Maria Silva", ZoneInfo("America/Sao_Paulo"))
    assert variables["motivo"] == "05 - Nao autorizada ****"
    assert SPELLINGS[2] not in templates.render(kind.default_text, variables)


def test_a_cards_refusal_reason_is_masked_when_read() -> None:
    card = Card(id=1, customer_id=1, brand="Visa", last_digits="2931", holder="MARIA", expiry_month=12,
                expiry_year=2031, gateway="cielo", created_at=AT, token=None,  # type: ignore[arg-type]
                refused_reason=f"57: Cartao {SPELLINGS[1]} bloqueado")
    assert card.refused_reason == "57: Cartao **** bloqueado"
    assert SPELLINGS[1] not in card.problem_on(date(2026, 12, 10))
