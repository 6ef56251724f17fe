"""GetNet "API Digital" v1 adapter (the API as public GetNet SDKs and recorded homologation traffic show it).

- OAuth client credentials; the access token is cached until shortly before
  it expires, and a 401 on any call fetches a new one and repeats the call once
  (a 401 is answered before anything is processed).
- A ``/v1/tokens/card`` number token is good for ONE attempt, so ``tokenize``
  stores the card in the vault (``/v1/cards``), has the issuer verify it
  (``/v1/cards/verification``, with the vault card's reusable token; a card
  the issuer refuses is deleted from the vault again) and returns its
  ``card_id``. Each charge reads the vault card for its reusable
  ``number_token``, holder and expiry (the vault may renew them) and pays
  with those.
- Recurring charges carry ``credentials_on_file_type`` (``RECURRING`` on the
  first use of the card, ``RECURRING_PAYMENT`` after, with the
  ``transaction_id`` of the series); one-off charges the ``ONE_CLICK`` pair.
- no public v1 client or fixture shows a query of a payment, so ``find`` cannot reconcile:
  it answers "unknown", never "none", and an unknown GetNet charge must be
  settled from GetNet's portal or notifications, not by charging again.

Card numbers go to ``/v1/tokens/card`` and nowhere else; nothing here logs a
request or answer body.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from chalicelib.billing.cards.numbers import without_card_numbers
from chalicelib.billing.charging.declines import RETRY_TOMORROW, Classification, Outcome, issuer_decline, normalize
from chalicelib.billing.gateways import CardRefusedByIssuer, CardToTokenize, Charge, ChargeResult, GatewayRefusal
from chalicelib.billing.gateways.registry import GETNET
from chalicelib.input_rules import is_digits

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0  # GetNet not accepting the connection this soon is down: nothing was sent
READ_TIMEOUT = 20.0  # an authorization can take seconds; a timeout leaves the charge unknown, never retried
TOKEN_PATH = "/auth/oauth/v2/token"
# Refresh this long before GetNet's expiry, so a token never dies between our check and GetNet's.
TOKEN_MARGIN_SECONDS = 60.0
DEFAULT_TOKEN_SECONDS = 3600  # GetNet's documented lifetime, when an answer omits expires_in
# Our brand names (Cielo's) → GetNet's.
BRANDS = {"Master": "Mastercard"}
NO_QUERY = "A API v1 da GetNet não consulta pagamentos: confira o pedido no portal da GetNet antes de cobrar de novo."
UNAVAILABLE = "A GetNet não respondeu; nada foi cobrado. Tente novamente."
VERIFIED = "VERIFIED"
_ECOM = re.compile(r"\[ECOM\s*-\s*([0-9A-Z]{1,3})\]")


def getnet_issuer_code(description_detail: str) -> str | None:
    """The issuer's code GetNet writes into its texts as ``[ECOM - NN]``, if any."""
    match = _ECOM.search(description_detail or "")
    return match.group(1) if match else None


def classify_getnet(http_status: int, status: str, description_detail: str = "",
                    brand: str = "") -> Classification:
    """APPROVED on 200; a 402 decline carries the issuer code as ``[ECOM - NN]``."""
    if http_status in (200, 201) and status.upper() in ("APPROVED", "AUTHORIZED"):
        return Classification(Outcome.APPROVED, "00")
    if http_status >= 500 or http_status in (0, 408, 429):
        return Classification(Outcome.UNKNOWN, str(http_status))
    issuer_code = getnet_issuer_code(description_detail)
    if http_status == 402 and issuer_code:
        return issuer_decline(normalize(issuer_code), issuer_code, brand)
    if http_status == 402:
        return Classification(Outcome.RETRYABLE, status or "402", RETRY_TOMORROW)
    return Classification(Outcome.UNKNOWN, str(http_status))


class GetNetGateway:
    name = GETNET

    def __init__(self, api_url: str, client_id: str, client_secret: str, seller_id: str, *,
                 session: requests.Session | None = None, soft_descriptor: str = "",
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._api = api_url.rstrip("/")
        self._credentials = (client_id, client_secret)
        self._seller_id = seller_id
        # A session that retries POSTs would re-send a payment whose answer was lost: pass one without retries.
        self._http = session or requests.Session()
        self._soft_descriptor = soft_descriptor[:22]
        self._timeout = (connect_timeout, read_timeout)
        self._clock = clock
        self._token_lock = threading.Lock()
        self._access_token = ""
        self._token_expiry = 0.0

    def tokenize(self, card: CardToTokenize) -> str:
        """Stores the card in GetNet's vault; the ``card_id`` is the token we keep."""
        tokenized = self._send("POST", "/v1/tokens/card", "tokenize",
                               {"card_number": card.number, "customer_id": card.customer_ref[:100]})
        number_token = _body(tokenized).get("number_token")
        if tokenized.status_code not in (200, 201) or not number_token:
            raise _refusal(tokenized)
        stored = self._send("POST", "/v1/cards", "vault", {
            "number_token": number_token, "brand": _brand(card.brand), "cardholder_name": card.holder,
            "expiration_month": f"{card.expiry_month:02d}", "expiration_year": f"{card.expiry_year % 100:02d}",
            "customer_id": card.customer_ref[:100], "verify_card": False,
        })
        body = _body(stored)
        card_id, vault_token = body.get("card_id"), body.get("number_token")
        if stored.status_code not in (200, 201) or not card_id:
            raise _refusal(stored)
        try:
            self._verify(card, str(vault_token or ""))
        except GatewayRefusal:
            self._forget_quietly(str(card_id))
            raise
        return str(card_id)

    def _verify(self, card: CardToTokenize, vault_token: str) -> None:
        """The issuer's verification of a card just stored (no amount is charged)."""
        body: dict[str, Any] = {
            "number_token": vault_token, "brand": _brand(card.brand), "cardholder_name": card.holder,
            "expiration_month": f"{card.expiry_month:02d}", "expiration_year": f"{card.expiry_year % 100:02d}"}
        if card.security_code:
            body["security_code"] = card.security_code
        answer = self._send("POST", "/v1/cards/verification", "card verification", body)
        found = _body(answer)
        if answer.status_code in (200, 201) and str(found.get("status") or "").upper() == VERIFIED:
            return
        if answer.status_code == 402 or (answer.status_code in (200, 201) and found.get("status")):
            detail = _detail(found)
            text = str(detail.get("description_detail") or detail.get("description") or found.get("status") or "")
            code = getnet_issuer_code(text) or str(detail.get("error_code") or found.get("status"))
            refused = CardRefusedByIssuer(code, text or "Cartão recusado pelo emissor.")
            logger.info("getnet card verification: the issuer refused the card (code %s)", refused.code)
            raise refused
        if answer.status_code >= 500:
            logger.warning("getnet card verification: HTTP %s", answer.status_code)
            raise GatewayRefusal(str(answer.status_code), UNAVAILABLE)
        raise _refusal(answer)

    def _forget_quietly(self, card_id: str) -> None:
        """A card refused by the issuer leaves the vault again; if GetNet does not answer it stays there unused."""
        try:
            self.forget(card_id)
        except GatewayRefusal as refused:
            logger.warning("getnet: card refused by the issuer kept in GetNet's vault (%s)", refused.code)

    def charge(self, charge: Charge) -> ChargeResult:
        # Reading the vault card sends no payment: failures there are refusals (nothing was charged).
        card = self._vault_card(charge.card_token)
        try:
            answer = self._request("POST", "/v1/payments/credit", self._payment(charge, card))
        except requests.RequestException as exc:
            logger.warning("getnet payment %s: no answer (%s); outcome unknown", charge.order_id,
                           type(exc).__name__)
            return ChargeResult(Classification(Outcome.UNKNOWN, ""))
        body = _body(answer)
        if answer.status_code in (200, 201, 202) and body:
            return _approved_or_pending(answer.status_code, body, charge.brand)
        if answer.status_code == 402:
            return _declined(_detail(body), charge.brand)
        if answer.status_code >= 500 or answer.status_code < 400:
            # A 5xx may come from a proxy after GetNet processed the payment; a 2xx we cannot read is no better.
            logger.warning("getnet payment %s: HTTP %s; outcome unknown", charge.order_id, answer.status_code)
            return ChargeResult(Classification(Outcome.UNKNOWN, str(answer.status_code)))
        refusal = _refusal(answer)
        logger.warning("getnet payment %s refused: HTTP %s code %s", charge.order_id, answer.status_code,
                       refusal.code)
        raise refusal

    def find(self, order_id: str) -> list[ChargeResult] | None:
        """Always unknown: v1 has no query by order, and None would allow charging the order again."""
        logger.warning("getnet payment %s: v1 has no query; settle it from GetNet's portal", order_id)
        return [ChargeResult(Classification(Outcome.UNKNOWN, ""), return_message=NO_QUERY)]

    def forget(self, card_token: str) -> None:
        """Deletes the card from GetNet's vault (``DELETE /v1/cards/{card_id}``); an unknown card is gone already."""
        answer = self._send("DELETE", f"/v1/cards/{card_token}", "vault delete")
        if answer.status_code not in (200, 202, 204, 404):
            raise _refusal(answer)

    # --- requests -----------------------------------------------------------------------------------------------

    def _vault_card(self, card_id: str) -> dict[str, Any]:
        answer = self._send("GET", f"/v1/cards/{card_id}", "vault card")
        card = _body(answer)
        if answer.status_code != 200 or not card.get("number_token"):
            raise _refusal(answer)
        return card

    def _payment(self, charge: Charge, card: dict[str, Any]) -> dict[str, Any]:
        if charge.recurring:
            on_file = "RECURRING" if charge.first_use else "RECURRING_PAYMENT"
        else:
            on_file = "ONE_CLICK" if charge.first_use else "ONE_CLICK_PAYMENT"
        credit: dict[str, Any] = {
            "delayed": False, "authenticated": False, "pre_authorization": False, "save_card_data": False,
            "transaction_type": "FULL", "number_installments": 1, "credentials_on_file_type": on_file,
            "card": {"number_token": card["number_token"],
                     "cardholder_name": str(card.get("cardholder_name") or ""),
                     "expiration_month": _two_digits(card.get("expiration_month")),
                     "expiration_year": _two_digits(card.get("expiration_year")),
                     "brand": _brand(charge.brand)},
        }
        if charge.issuer_transaction_id and not charge.first_use:
            # Later charges of a series point at its first approved transaction (as public GetNet SDKs send it).
            credit["transaction_id"] = charge.issuer_transaction_id
        if self._soft_descriptor:
            credit["soft_descriptor"] = self._soft_descriptor
        return {"seller_id": self._seller_id, "amount": charge.amount_cents, "currency": "BRL",
                "order": {"order_id": charge.order_id, "sales_tax": 0, "product_type": "service"},
                "customer": {"customer_id": str(card.get("customer_id") or ""), "name": charge.customer_name},
                "credit": credit}

    def _send(self, method: str, path: str, what: str, body: dict[str, Any] | None = None) -> requests.Response:
        """A call that charges nothing: losing its answer is a refusal the caller may simply repeat."""
        try:
            return self._request(method, path, body)
        except requests.RequestException as exc:
            logger.warning("getnet %s: no answer (%s)", what, type(exc).__name__)
            # ``from None``: the requests exception holds the prepared request, whose body may hold a card number.
            raise GatewayRefusal("indisponivel", UNAVAILABLE) from None

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        answer = self._call(method, path, body, self._bearer())
        if answer.status_code == 401:
            # The token expired early or was revoked; GetNet refused before processing, so repeating is safe.
            self._forget_token()
            answer = self._call(method, path, body, self._bearer())
        return answer

    def _call(self, method: str, path: str, body: dict[str, Any] | None, token: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "seller_id": self._seller_id,
                   "Content-Type": "application/json"}
        # No redirects: a 307/308 would carry the body (a card number, a payment) to wherever it points.
        return self._http.request(method, f"{self._api}{path}", json=body, headers=headers, timeout=self._timeout,
                                  allow_redirects=False)

    def _bearer(self) -> str:
        # One lock: concurrent callers wait for one token request instead of each asking for their own.
        with self._token_lock:
            if self._access_token and self._clock() < self._token_expiry:
                return self._access_token
            try:
                answer = self._http.post(
                    f"{self._api}{TOKEN_PATH}", data={"scope": "oob", "grant_type": "client_credentials"},
                    auth=self._credentials, headers={"seller_id": self._seller_id}, timeout=self._timeout,
                    allow_redirects=False)
            except requests.RequestException as exc:
                logger.warning("getnet oauth: no answer (%s)", type(exc).__name__)
                raise GatewayRefusal("indisponivel", UNAVAILABLE) from None
            body = _body(answer)
            token = body.get("access_token")
            if answer.status_code != 200 or not token:
                logger.warning("getnet oauth refused: HTTP %s %s", answer.status_code,
                               without_card_numbers(str(body.get("error") or "")))
                raise GatewayRefusal(str(body.get("error") or answer.status_code),
                                     str(body.get("error_description") or "A GetNet recusou as credenciais."))
            lifetime = body.get("expires_in")
            seconds = lifetime if isinstance(lifetime, int) and not isinstance(lifetime, bool) and lifetime > 0 \
                else DEFAULT_TOKEN_SECONDS
            self._access_token = str(token)
            self._token_expiry = self._clock() + max(seconds - TOKEN_MARGIN_SECONDS, 0.0)
            return self._access_token

    def _forget_token(self) -> None:
        with self._token_lock:
            self._access_token = ""
            self._token_expiry = 0.0


def _approved_or_pending(http_status: int, body: dict[str, Any], brand: str) -> ChargeResult:
    found = body.get("credit")
    credit: dict[str, Any] = found if isinstance(found, dict) else {}
    amount = body.get("amount")
    return ChargeResult(
        classification=classify_getnet(http_status, str(body.get("status") or ""), "", brand),
        payment_id=str(body.get("payment_id") or ""), tid=str(credit.get("acquirer_transaction_id") or ""),
        return_code=without_card_numbers(str(credit.get("reason_code") or "")),
        return_message=without_card_numbers(str(credit.get("reason_message") or "")),
        issuer_transaction_id=str(credit.get("transaction_id") or ""),
        amount_cents=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
        received_at=_moment(body.get("received_at")),
    )


def _declined(detail: dict[str, Any], brand: str) -> ChargeResult:
    """A 402: the issuer's code hides in ``description_detail`` as ``[ECOM - NN]``."""
    description_detail = str(detail.get("description_detail") or "")
    classification = classify_getnet(402, str(detail.get("status") or ""), description_detail, brand)
    return ChargeResult(
        classification=classification, payment_id=str(detail.get("payment_id") or ""),
        tid=str(detail.get("acquirer_transaction_id") or ""),
        return_code=without_card_numbers(classification.code or str(detail.get("error_code") or "")),
        return_message=without_card_numbers(description_detail or str(detail.get("description") or "")),
    )


def _refusal(answer: requests.Response) -> GatewayRefusal:
    """GetNet's 4xx: ``details[0]`` carries ``error_code`` and ``description_detail`` (GetNet's error body)."""
    body = _body(answer)
    detail = _detail(body)
    code = detail.get("error_code") or body.get("error") or answer.status_code
    message = detail.get("description_detail") or detail.get("description") or body.get("message") or ""
    return GatewayRefusal(str(code), str(message))


def _moment(value: Any) -> datetime | None:
    """GetNet's ISO 8601 instants (``2019-11-12T21:32:38.708Z``)."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _body(answer: requests.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: dict[str, Any]) -> dict[str, Any]:
    details = body.get("details")
    first = details[0] if isinstance(details, list) and details else None
    return first if isinstance(first, dict) else {}


def _brand(brand: str) -> str:
    return BRANDS.get(brand, brand)


def _two_digits(value: Any) -> str:
    """The vault answers the expiry as integers (12, 30); payments take "MM" and "YY"."""
    text = str(value or "").strip()
    return f"{int(text) % 100:02d}" if is_digits(text) else text
