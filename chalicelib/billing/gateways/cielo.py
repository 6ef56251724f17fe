"""Cielo API 3.0 adapter (Cielo's "API E-commerce" manual).

A card is validated with Zero Auth (``POST /1/zeroauth``, a zero-amount
authorization Cielo recommends before storing a card) and only then
tokenized (``/1/card/``): Cielo asks not to store cards the issuer refuses.
Every sale charges a stored token, so it always carries ``CardOnFile``: the
card's first charge ``Usage = "First"``, later ones ``"Used"`` with the
reason (``Recurring`` for the monthly charge we schedule, ``Unscheduled``
for an operator's one-off) and the ``IssuerTransactionId`` of the card's
first approved charge; Mastercard and Hipercard also carry
``InitiatedTransactionIndicator`` (mandatory with stored credentials).
Recurring charges are "Recorrência Própria": we schedule them, and each sale
adds ``Recurrent``. The result is decided on ``Payment.Status``;
``ReturnCode`` classifies it.

Card numbers go to ``/1/card/`` and nowhere else; nothing here logs a request
or answer body.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from chalicelib.billing.cards.numbers import without_card_numbers
from chalicelib.billing.charging.declines import (
    EXPIRED,
    NEW_CARD,
    RETRY_TOMORROW,
    UNLOCK,
    Classification,
    Outcome,
    issuer_decline,
    normalize,
)
from chalicelib.billing.gateways import CardRefusedByIssuer, CardToTokenize, Charge, ChargeResult, GatewayRefusal
from chalicelib.billing.gateways.registry import CIELO
from chalicelib.input_rules import is_digits

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0  # Cielo not accepting the connection this soon is down: nothing was sent
READ_TIMEOUT = 20.0  # Cielo's own authorizations can take seconds; a timeout is reconciled, not retried
UNKNOWN = Classification(Outcome.UNKNOWN, "")
# Brands whose stored-credential sales need InitiatedTransactionIndicator (Cielo's API 3.0 manual, CIT/MIT).
INITIATOR_BRANDS = ("Master", "Hipercard")
# Cielo answers dates in Brasília time without an offset (no daylight saving time since 2019).
CIELO_ZONE = timezone(timedelta(hours=-3))
UNAVAILABLE = "A Cielo não respondeu; tente cadastrar o cartão novamente."
# The sandbox's "Simulado" endings of the card number: these codes mean something else in production.
SANDBOX_ENDINGS: dict[str, Classification] = {
    "5": Classification(Outcome.RETRYABLE, "05", RETRY_TOMORROW),
    "57": Classification(Outcome.CUSTOMER_ACTION, "57", EXPIRED),
    "78": Classification(Outcome.CUSTOMER_ACTION, "78", UNLOCK),
    "77": Classification(Outcome.DO_NOT_RETRY, "77", NEW_CARD),
    "70": Classification(Outcome.RETRYABLE, "70", RETRY_TOMORROW),
    "99": Classification(Outcome.UNKNOWN, "99"),
}
# Codes whose answer is not known yet: query before re-sending (BP 900/901; AA is a timeout).
UNKNOWN_CODES = frozenset({"BP 900", "BP 901", "AA"})


def classify_cielo(status: int | None, return_code: str, brand: str, *, sandbox: bool,
                   merchant_advice_code: str = "", has_new_card: bool = False) -> Classification:
    """Decide on ``Payment.Status``, then on ``ReturnCode`` (the sandbox's codes are its own)."""
    code = normalize(return_code or "")
    if status == 2:
        return Classification(Outcome.APPROVED, return_code)
    if status is None or status in (0, 1, 12) or code in UNKNOWN_CODES:
        # 1 (authorized, not captured) and 12 (pending) are not money yet either.
        return Classification(Outcome.UNKNOWN, return_code)
    if sandbox:
        return SANDBOX_ENDINGS.get(code, Classification(Outcome.RETRYABLE, return_code, RETRY_TOMORROW))
    return issuer_decline(code, return_code, brand, merchant_advice_code.strip(), has_new_card)


class CieloGateway:
    name = CIELO

    def __init__(self, api_url: str, query_url: str, merchant_id: str, merchant_key: str, *, sandbox: bool,
                 session: requests.Session | None = None, soft_descriptor: str = "",
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> None:
        self._api = api_url.rstrip("/")
        self._query = query_url.rstrip("/")
        self._headers = {"MerchantId": merchant_id, "MerchantKey": merchant_key, "Content-Type": "application/json"}
        self._sandbox = sandbox
        # A session that retries POSTs would re-send a sale whose answer was lost: pass one without retries.
        self._http = session or requests.Session()
        self._soft_descriptor = soft_descriptor[:13]
        self._timeout = (connect_timeout, read_timeout)

    def tokenize(self, card: CardToTokenize) -> str:
        self._validate(card)
        body = {"CustomerName": card.customer_name[:255], "CardNumber": card.number, "Holder": card.holder[:25],
                "ExpirationDate": f"{card.expiry_month:02d}/{card.expiry_year}", "Brand": card.brand}
        answer = self._card_call("tokenize", f"{self._api}/1/card/", body)
        token = _json_dict(answer).get("CardToken")
        if not token:
            raise GatewayRefusal(str(answer.status_code), "A Cielo não devolveu o token do cartão.")
        return str(token)

    def _validate(self, card: CardToTokenize) -> None:
        """Zero Auth: the issuer says whether the card can be charged, without charging it."""
        body: dict[str, Any] = {
            "CardType": "CreditCard", "CardNumber": card.number, "Holder": card.holder[:25],
            "ExpirationDate": f"{card.expiry_month:02d}/{card.expiry_year}", "Brand": card.brand, "SaveCard": False,
            "CardOnFile": {"Usage": "First", "Reason": "Recurring"}}
        if card.security_code:
            body["SecurityCode"] = card.security_code
        answer = _json_dict(self._card_call("zero auth", f"{self._api}/1/zeroauth", body))
        valid = answer.get("Valid")
        code = str(answer.get("ReturnCode") or "")
        if valid is True:
            return
        if valid is False:
            refused = CardRefusedByIssuer(code, str(answer.get("ReturnMessage") or "Cartão recusado pelo emissor."))
            logger.info("cielo zero auth: the issuer refused the card (code %s)", refused.code)
            raise refused
        raise GatewayRefusal(code or "zeroauth", "A Cielo não disse se o cartão é válido (Zero Auth).")

    def _card_call(self, what: str, url: str, body: dict[str, Any]) -> requests.Response:
        """A call that carries a card number and charges nothing: any failure is a refusal (nothing kept)."""
        try:
            answer = self._post(url, body)
        except requests.RequestException as exc:
            logger.warning("cielo %s: no answer (%s)", what, type(exc).__name__)
            # ``from None``: the requests exception holds the prepared request, whose body has the card number.
            raise GatewayRefusal("indisponivel", UNAVAILABLE) from None
        if answer.status_code >= 500:
            logger.warning("cielo %s: HTTP %s", what, answer.status_code)
            raise GatewayRefusal(str(answer.status_code), UNAVAILABLE)
        if answer.status_code >= 400:
            refusal = _refusal(answer)
            logger.warning("cielo %s refused: HTTP %s code %s", what, answer.status_code, refusal.code)
            raise refusal
        return answer

    def charge(self, charge: Charge) -> ChargeResult:
        try:
            answer = self._post(f"{self._api}/1/sales/", self._sale(charge))
        except requests.RequestException as exc:
            logger.warning("cielo sale %s: no answer (%s); reconcile by query", charge.order_id, type(exc).__name__)
            return ChargeResult(UNKNOWN)
        if answer.status_code >= 500:
            # A 5xx may come from a proxy after Cielo processed the sale: only a query can tell.
            logger.warning("cielo sale %s: HTTP %s; reconcile by query", charge.order_id, answer.status_code)
            return ChargeResult(Classification(Outcome.UNKNOWN, str(answer.status_code)))
        if answer.status_code >= 400:
            refusal = _refusal(answer)
            logger.warning("cielo sale %s refused: HTTP %s code %s", charge.order_id, answer.status_code,
                           refusal.code)
            raise refusal
        payment = _json_dict(answer).get("Payment")
        if not isinstance(payment, dict):
            logger.warning("cielo sale %s: HTTP %s without a Payment; reconcile by query", charge.order_id,
                           answer.status_code)
            return ChargeResult(UNKNOWN)
        return self._result(payment, charge.brand)

    def find(self, order_id: str) -> list[ChargeResult] | None:
        """Every sale listed under ``order_id``, each with its amount and date; None when Cielo has none.

        When the query itself fails the answer is one unknown result (never None, which would allow a new sale).
        """
        try:
            listed = self._get(f"{self._query}/1/sales", params={"merchantOrderId": order_id})
            if listed.status_code == 404 and isinstance(_json(listed), list):
                # Cielo's error array (307, transaction not found). A 404 without it is a wrong URL or a proxy,
                # which proves nothing about the order.
                return None
            if listed.status_code != 200:
                logger.warning("cielo query of %s: HTTP %s", order_id, listed.status_code)
                return [ChargeResult(Classification(Outcome.UNKNOWN, str(listed.status_code)))]
            listed_payments = _json_dict(listed).get("Payment")
            if not isinstance(listed_payments, list) or not listed_payments:
                return None
            return [self._find_sale(str(item.get("PaymentId") or "")) for item in listed_payments
                    if isinstance(item, dict)] or [ChargeResult(UNKNOWN)]
        except requests.RequestException as exc:
            logger.warning("cielo query of %s: no answer (%s)", order_id, type(exc).__name__)
            return [ChargeResult(UNKNOWN)]

    def _find_sale(self, payment_id: str) -> ChargeResult:
        if not payment_id:
            return ChargeResult(UNKNOWN)
        sale = self._get(f"{self._query}/1/sales/{payment_id}")
        payment = _json_dict(sale).get("Payment") if sale.status_code == 200 else None
        if not isinstance(payment, dict):
            logger.warning("cielo query of sale %s: HTTP %s", payment_id, sale.status_code)
            return ChargeResult(Classification(Outcome.UNKNOWN, str(sale.status_code)), payment_id=payment_id)
        credit_card = payment.get("CreditCard")
        brand = str(credit_card.get("Brand") or "") if isinstance(credit_card, dict) else ""
        return self._result(payment, brand)

    def forget(self, card_token: str) -> None:
        """API 3.0 has no token deletion: a removed card's token simply goes unused."""

    def _sale(self, charge: Charge) -> dict[str, Any]:
        # Cielo asks for CardOnFile on every token sale: "First" opens the card's chain, "Used" points at it with
        # the IssuerTransactionId of its first approved charge. "Unscheduled" is an operator's one-off charge of
        # the stored card, "Recurring" the monthly charge we schedule.
        card: dict[str, Any] = {
            "CardToken": charge.card_token, "Brand": charge.brand,
            "CardOnFile": {"Usage": "First" if charge.first_use else "Used",
                           "Reason": "Recurring" if charge.recurring else "Unscheduled"},
        }
        payment: dict[str, Any] = {"Type": "CreditCard", "Amount": charge.amount_cents, "Installments": 1,
                                   "Capture": True, "CreditCard": card}
        if self._soft_descriptor:
            payment["SoftDescriptor"] = self._soft_descriptor
        if charge.recurring:
            # Recurrent lets the sale go without a CVV; Cielo refuses it with Authenticate or installments.
            payment.update(Recurrent=True, Authenticate=False)
        if charge.issuer_transaction_id and not charge.first_use:
            payment["IssuerTransactionId"] = charge.issuer_transaction_id
        if charge.brand in INITIATOR_BRANDS:
            # Both kinds are merchant-initiated (M1): the customer is never present when we charge a stored card.
            payment["InitiatedTransactionIndicator"] = {
                "Category": "M1", "Subcategory": "Subscription" if charge.recurring else "CredentialsOnFile"}
        return {"MerchantOrderId": charge.order_id, "Customer": {"Name": charge.customer_name[:255]},
                "Payment": payment}

    def _result(self, payment: dict[str, Any], brand: str) -> ChargeResult:
        raw_status = payment.get("Status")
        status = int(raw_status) if isinstance(raw_status, (int, str)) and not isinstance(raw_status, bool) \
            and is_digits(str(raw_status)) else None
        code = str(payment.get("ReturnCode") or "")
        classification = classify_cielo(
            status, code, brand,
            sandbox=self._sandbox, merchant_advice_code=str(payment.get("MerchantAdviceCode") or ""),
            has_new_card=bool(payment.get("NewCard")),
        )
        amount = payment.get("Amount")
        return ChargeResult(
            classification=classification, payment_id=str(payment.get("PaymentId") or ""),
            tid=str(payment.get("Tid") or ""), return_code=without_card_numbers(code),
            return_message=without_card_numbers(str(payment.get("ReturnMessage") or "")),
            issuer_transaction_id=str(payment.get("IssuerTransactionId") or ""),
            amount_cents=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            received_at=_cielo_moment(payment.get("ReceivedDate")),
        )

    def _post(self, url: str, body: dict[str, Any]) -> requests.Response:
        headers = {**self._headers, "RequestId": str(uuid.uuid4())}
        # No redirects: a 307/308 would carry the body (a card number, a sale) to wherever it points.
        return self._http.post(url, json=body, headers=headers, timeout=self._timeout, allow_redirects=False)

    def _get(self, url: str, params: dict[str, str] | None = None) -> requests.Response:
        headers = {**self._headers, "RequestId": str(uuid.uuid4())}
        return self._http.get(url, params=params, headers=headers, timeout=self._timeout, allow_redirects=False)


def _json(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _json_dict(answer: requests.Response) -> dict[str, Any]:
    body = _json(answer)
    return body if isinstance(body, dict) else {}


def _refusal(answer: requests.Response) -> GatewayRefusal:
    """Cielo's 4xx body is an array of ``{Code, Message}`` (or ``ReturnCode``/``ReturnMessage``)."""
    errors = _json(answer)
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return GatewayRefusal(str(first.get("Code", first.get("ReturnCode", answer.status_code))),
                              str(first.get("Message", first.get("ReturnMessage", ""))))
    # Not Cielo's shape (a proxy page): keep a little for the operator, masked before it is cut (a number cut in
    # two would be too short to be recognised as one).
    return GatewayRefusal(str(answer.status_code), without_card_numbers(answer.text)[:200])


def _cielo_moment(value: Any) -> datetime | None:
    """``"2026-12-10 10:00:05"`` (Brasília time) as an instant; None when absent or not in that form."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CIELO_ZONE)
    except ValueError:
        return None
