"""Cielo E-commerce API 3.0 sandbox (Cielo's API 3.0 manual and its return-code pages).

One server answers both the transactional and the query host (the stack
exports ``CIELO_API_URL`` and ``CIELO_QUERY_URL`` to the same URL).

Routes (every one needs the ``MerchantId``/``MerchantKey`` headers; missing
or wrong ones answer 401 with Cielo's error array, codes 101/114/115/131/132):

- ``POST /1/card/``: tokenizes a card (Luhn-checked, as in the real sandbox).
  The vault keeps the token with the card's brand, expiry, holder and its
  truncated number (first six and last four digits): never the full number.
  API 3.0 has no token deletion, so none is simulated.
- ``GET /1/card/{CardToken}``: the token's truncated card (the ``Links.Href``
  of the tokenization answer).
- ``POST /1/zeroauth``: Zero Auth, a zero-amount authorization that says
  whether a card is valid. The body is either the open card ``{"CardType":
  "CreditCard" | "DebitCard", "CardNumber", "Holder", "ExpirationDate":
  "MM/YYYY", "SecurityCode"?, "Brand", "SaveCard"?, "CardOnFile"?}`` or a
  stored card ``{"CardToken", "Brand", "SaveCard"?}``. Answers 200
  ``{"Valid", "ReturnCode", "ReturnMessage", "IssuerTransactionId"?}``
  (outcomes below).
- ``POST /1/sales/``: a credit sale with ``CreditCard.CardToken`` (unknown
  token: 400 code 130) or a raw ``CreditCard.CardNumber``; answers 201.
- ``GET /1/sales?merchantOrderId=X``: ``{"Payment": [{"PaymentId", "ReceveidDate"}]}``
  (Cielo's spelling), 404 when the order has no sale.
- ``GET /1/sales/{PaymentId}``: the sale as answered when created; 404 unknown.

Sales, the "Simulado" provider: the LAST digit of the card number decides.

- 0, 1, 4: approved, ReturnMessage "Operação realizada com sucesso": Status 2 +
  ReturnCode "6" with ``Capture: true``, Status 1 + "4" without;
- 2: Status 3, "05", "Não Autorizada";
- 3: Status 3, "57", "Cartão Expirado";
- 5: Status 3, "78", "Cartão Bloqueado";
- 6: Status 0, "99", "Time Out";
- 7: Status 3, "77", "Cartão Cancelado";
- 8: Status 3, "70", "Problemas com o Cartão de Crédito";
- 9: one of the above, drawn from ``random.Random(seed)`` (reproducible with
  the constructor's ``seed``).

Stored-credential chain ("strict" mode, on by default: the constructor's
``strict``, or ``POST /__sandbox/mode {"strict": false}`` at run time, read
with ``GET /__sandbox/mode``). A token sale (``CreditCard.CardToken``) whose
``CreditCard.CardOnFile.Usage`` is ``"Used"`` (a merchant-initiated use of a
stored card, whatever its ``Reason``) on a Visa, Master or Elo card must carry
``Payment.IssuerTransactionId`` equal to one this simulator answered on an
APPROVED sale of the same CardToken (every one of them is kept, per token).
Otherwise the sale is refused without asking the issuer: 201 with Status 3,
ReturnCode ``CHAIN_REFUSAL_CODE`` "58" and ReturnMessage
``CHAIN_REFUSAL_MESSAGE``, no AuthorizationCode nor IssuerTransactionId, and
on a Master card MerchantAdviceCode "04" (token requirements not met); the
sale is stored and listed by merchantOrderId like any denial. ``"First"`` (or
no CardOnFile), raw-card sales and the other brands (which get no
IssuerTransactionId to point at) are never refused by this rule, and an
approved "Used" sale answers a fresh IssuerTransactionId like any approval.
With ``strict`` off the rule is not applied. Cielo does not document how it
answers a broken chain; the code, message and advice are ours (58 is the
ABECS "transaction not allowed" code).

Zero Auth outcomes, by the card (the open one, or the one behind the token):

- the published sandbox denial cards: 1230069300407910 → "39",
  1230069300407944 → "R2", 5270011231668402 → "82", 6540540000003836 → "36",
  each ``{"Valid": false, "ReturnCode": <code>, "ReturnMessage": "Autorizacao negada"}``;
- a card whose last digit is 3 (the Simulado provider's "Cartão Expirado"
  ending): ``{"Valid": false, "ReturnCode": "57", "ReturnMessage":
  "Autorizacao negada"}`` (57 is Cielo's documented Zero Auth denial code);
- every other card: ``{"Valid": true, "ReturnCode": "00", "ReturnMessage":
  "Transacao autorizada"}``, plus a 15-digit ``IssuerTransactionId`` for
  Visa, Master and Elo.

Why only ending 3 of the sale endings: 2, 5, 7 and 8 model declines that a
card which is valid today gets later, on a sale (no funds, blocked in the
bank's app, cancelled after it was stored), and 6 (time out) and 9 (random)
are not properties of the card either. Zero Auth passes them and the sale
decides, as it always did; an expired card is invalid from the start.

Decisions where Cielo's manual is silent or unclear (ours):

- Ending 6 (Time Out) answers ``Status 0`` (NotFinished): the docs do not give
  its Status and say to handle 0 and 3; 0 exercises the reconcile-by-query path.
- Approvals carry ``AuthorizationCode`` and, for Visa/Master/Elo,
  ``IssuerTransactionId``. Mastercard denials carry a ``MerchantAdviceCode``:
  05/78/70 → "02" (retry later), 57 → "01" (update the card data),
  77 → "03" (do not retry), 58 (broken chain) → "04". Status 0 (time out)
  carries none.
- A sale's answer never echoes the request's ``Payment.IssuerTransactionId``
  (it names an earlier sale): it carries only the one issued to this sale,
  so a denial carries none. ``/__sandbox/requests`` shows it as sent, masked
  to its last four digits like any 13-19 digit run (a card number may hide in
  any field), next to ``CardOnFile`` unmasked.
- The chain is checked before the ending is read: a refused sale on an
  ending-9 card draws nothing from the seeded sequence, and a "Used" sale
  without its chain is refused whatever the ending (6 and 9 included).
- Zero Auth records nothing: its IssuerTransactionId does not open a token's
  chain (the first approved sale does), ``SaveCard: true`` stores no card
  (tokenize with ``/1/card/``) and ``CardOnFile`` is accepted as sent without
  changing the outcome. ``CardType`` may be left out (the docs' own example
  does; it reads as ``CreditCard``); any other value than ``CreditCard`` or
  ``DebitCard`` answers 400 ``[{"Code": 0, ...}]`` (no specific code is
  documented; 0 is Cielo's generic data error), together with the card's
  errors. The open card gets the tokenization checks (177 incl. Luhn, 128,
  125/126, 182, 185; Holder is not checked, as in tokenization) except that
  the published denial cards, which fail Luhn, are answered; a token gets
  130 when unknown (and 182/185 on its Brand, as in a sale).
- Validation errors (400, the Cielo array, every error found at once):
  122 MerchantOrderId missing, not alphanumeric or longer than 50;
  102 Payment.Type missing (only ``CreditCard`` is simulated, others 173);
  108 Amount not a positive integer (cents); 123 Installments missing or < 1;
  179 Installments > 1 with Recurrent; 186 Authenticate with Recurrent
  (no specific code is documented; 186 is the "provider does not support
  ... Authenticate, Recurrent" code); 177 card number missing, not 13-19
  digits, or not Luhn-valid (tokenizing, ``SaveCard``); 128 longer than 19;
  125/126 ExpirationDate missing/not ``MM/YYYY``; 182 Brand missing;
  185 Brand not among Cielo's brands; 130 unknown CardToken.
- A body that is not a JSON object: 400 ``[{"Code": 0, ...}]`` (Cielo's code 0
  is its generic "invalid data" error; the exact answer is not documented).
- Sales may repeat a MerchantOrderId (Cielo allows several transactions per
  order); error 302 (duplicated) is never raised, since the docs do not say when.
- A raw-card sale is not Luhn-checked (the Simulado provider reads only the
  last digit); tokenizing is. The docs' approved example card
  4024007153763191 fails Luhn, so it sells but does not tokenize.
- Dates come from the simulator's clock (``base``): ``ReceivedDate``,
  ``CapturedDate`` and the listing's ``ReceveidDate`` are its instant in
  Brasília local time, ``"YYYY-MM-DD HH:MM:SS"`` (UTC-3, no daylight saving
  time since 2019), and the ``Tid`` starts with its ``MMDDhhmmss``.
- An injected 5xx (``error_5xx`` fault) answers ``[{"Code": 0, "Message": ...}]``.
  Faults match route prefixes, so ``/1/zeroauth`` takes them like any route.
- Not simulated: capture/void (``PUT``), Renova Fácil (``NewCard``), other
  payment types.
"""
from __future__ import annotations

import copy
import random
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.billing.gateways.registry import CIELO, registry
from sandbox.simulators.base import Clock, RecordedRequest, Reply, Route, Simulator

BRASILIA = timezone(timedelta(hours=-3))  # no daylight saving time since 2019
BRANDS = ("Visa", "Master", "Amex", "Elo", "Aura", "JCB", "Diners", "Discover", "Hipercard")
ISSUER_TRANSACTION_BRANDS = ("visa", "master", "elo")
SUCCESS_MESSAGE = "Operação realizada com sucesso"
# (Status, ReturnCode, ReturnMessage, Mastercard MerchantAdviceCode) of a sale that is not approved
Denial = tuple[int, str, str, str | None]
# last digit → its denial; the other endings approve
DENIALS: dict[int, Denial] = {
    2: (3, "05", "Não Autorizada", "02"),
    3: (3, "57", "Cartão Expirado", "01"),
    5: (3, "78", "Cartão Bloqueado", "02"),
    6: (0, "99", "Time Out", None),
    7: (3, "77", "Cartão Cancelado", "03"),
    8: (3, "70", "Problemas com o Cartão de Crédito", "02"),
}
APPROVING_DIGITS = (0, 1, 4)
RANDOM_DIGIT = 9
# Strict mode: a later use of a stored card ("Used") that does not point at its chain.
CHAIN_REFUSAL_CODE = "58"
CHAIN_REFUSAL_MESSAGE = ("Transação não permitida: credencial armazenada sem IssuerTransactionId "
                         "da primeira transação")
CHAIN_REFUSAL_ADVICE = "04"  # Mastercard: token requirements not met
CHAIN_REFUSAL: Denial = (3, CHAIN_REFUSAL_CODE, CHAIN_REFUSAL_MESSAGE, CHAIN_REFUSAL_ADVICE)
# Zero Auth: the published sandbox denial cards (none passes Luhn) → ReturnCode.
ZERO_AUTH_DENIALS: dict[str, str] = {
    "1230069300407910": "39",
    "1230069300407944": "R2",
    "5270011231668402": "82",
    "6540540000003836": "36",
}
ZERO_AUTH_EXPIRED_DIGIT = 3  # the Simulado provider's "Cartão Expirado" ending
ZERO_AUTH_EXPIRED_CODE = "57"
ZERO_AUTH_VALID_CODE = "00"
ZERO_AUTH_VALID_MESSAGE = "Transacao autorizada"
ZERO_AUTH_DENIED_MESSAGE = "Autorizacao negada"
ZERO_AUTH_CARD_TYPES = ("CreditCard", "DebitCard")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9]{1,50}$")
_EXPIRY = re.compile(r"^(0[1-9]|1[0-2])/\d{4}$")

Error = dict[str, Any]


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _error(code: int, message: str) -> Error:
    return {"Code": code, "Message": message}


def _flag(value: Any) -> bool:
    """Cielo's docs show flags both as JSON booleans and as ``"true"`` strings."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _positive_int(value: Any, minimum: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _node(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _truncate(number: str) -> str:
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


@dataclass(frozen=True)
class StoredCard:
    """A vault entry: what the simulator needs to decide a sale, never the full card number."""

    token: str
    truncated_number: str  # first six and last four digits, as Cielo shows a card
    last_digit: int
    brand: str
    expiration_date: str
    holder: str
    customer_name: str


class CieloSimulator(Simulator):
    name = CIELO
    # Cielo splits transactions (apisandbox) and queries (apiquerysandbox); one server answers both.
    env_urls = registry.get(CIELO).url_variables
    mask_digit_runs = True
    switches = ("strict",)

    # The credentials accepted by default (a GUID and 40 characters, like the ones Cielo's sandbox issues).
    DEFAULT_MERCHANT_ID = "0b5e1a4c-5a1d-4c1e-9e10-5a1d0c1e1000"
    DEFAULT_MERCHANT_KEY = "SIMULADOCIELOSANDBOXMERCHANTKEY000000000"

    def __init__(self, port: int = 0, merchant_id: str = DEFAULT_MERCHANT_ID,
                 merchant_key: str = DEFAULT_MERCHANT_KEY, seed: int | None = None, *, clock: Clock | None = None,
                 strict: bool = True) -> None:
        if not _GUID.match(merchant_id) or len(merchant_key) != 40:
            raise ValueError("Cielo credentials are a GUID MerchantId and a 40-character MerchantKey")
        super().__init__(port, clock=clock)
        self.strict = strict  # the stored-credential chain rule (module docstring)
        self.merchant_id = merchant_id
        self.merchant_key = merchant_key
        self._random = random.Random(seed)  # only for ending 9, so a seed reproduces its outcomes
        self._ids = random.Random()  # Tid, ProofOfSale, codes: never part of the seeded sequence
        self._state = threading.Lock()
        self.cards: dict[str, StoredCard] = {}
        self.sales: dict[str, dict[str, Any]] = {}  # PaymentId → the sale as answered
        self._orders: dict[str, list[tuple[str, str]]] = {}  # MerchantOrderId → [(PaymentId, ReceivedDate)]
        self._chains: dict[str, set[str]] = {}  # CardToken → IssuerTransactionIds of its approved sales

    def routes(self) -> dict[tuple[str, str], Route]:
        return {
            ("POST", "/1/card"): self._authenticated(self._tokenize),
            ("GET", "/1/card/{token}"): self._authenticated(self._get_card),
            ("POST", "/1/sales"): self._authenticated(self._create_sale),
            ("GET", "/1/sales"): self._authenticated(self._sales_by_order),
            ("GET", "/1/sales/{payment_id}"): self._authenticated(self._get_sale),
            ("POST", "/1/zeroauth"): self._authenticated(self._zero_auth),
        }

    def fault_reply(self, status: int) -> Reply:
        return Reply(status, [_error(0, "Internal error (simulated)")])

    # --- authentication -----------------------------------------------------------------------------------------

    def _issuer_transaction_id(self) -> str:
        """15 digits led by 1-3, never a test card's first digit: the suites look for card numbers in what is
        stored, and the chain's id is stored with the card."""
        return self._ids.choice("123") + "".join(self._ids.choices("0123456789", k=14))

    def _authenticated(self, route: Route) -> Route:
        def guarded(request: RecordedRequest) -> Reply:
            refusal = self._check_credentials(request)
            return refusal if refusal is not None else route(request)

        return guarded

    def _check_credentials(self, request: RecordedRequest) -> Reply | None:
        merchant_id = (request.header("MerchantId") or "").strip()
        merchant_key = (request.header("MerchantKey") or "").strip()
        errors: list[Error] = []
        if not merchant_id:
            errors.append(_error(101, "MerchantId is required"))
        elif not _GUID.match(merchant_id):
            errors.append(_error(114, "The MerchantId sent is not a GUID"))
        elif merchant_id.lower() != self.merchant_id.lower():
            errors.append(_error(115, "The provided MerchantId was not found"))
        if not merchant_key:
            errors.append(_error(131, "MerchantKey is required"))
        elif merchant_key != self.merchant_key:
            errors.append(_error(132, "MerchantKey is invalid"))
        return Reply(401, errors) if errors else None

    # --- card vault ---------------------------------------------------------------------------------------------

    def _tokenize(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if not isinstance(body, dict):
            return Reply(400, [_error(0, "Request body is not a valid JSON object")])
        errors = self._card_errors(body, luhn=True)
        if errors:
            return Reply(400, errors)
        card = self._store_card(body)
        return Reply(201, {"CardToken": card.token, "Links": self._card_link(card.token)})

    def _card_errors(self, card: dict[str, Any], luhn: bool) -> list[Error]:
        errors: list[Error] = []
        number = card.get("CardNumber")
        if not isinstance(number, str) or not number.isdigit() or len(number) < 13:
            errors.append(_error(177, "Card Number is invalid"))
        elif len(number) > 19:
            errors.append(_error(128, "Card Number length exceeded"))
        elif luhn and not luhn_valid(number):
            errors.append(_error(177, "Card Number is invalid"))
        expiry = card.get("ExpirationDate")
        if not expiry:
            errors.append(_error(125, "Credit Card Expiration Date is required"))
        elif not isinstance(expiry, str) or not _EXPIRY.match(expiry):
            errors.append(_error(126, "Credit Card Expiration Date is invalid"))
        errors += self._brand_errors(card.get("Brand"))
        return errors

    @staticmethod
    def _brand_errors(brand: Any) -> list[Error]:
        if not brand:
            return [_error(182, "Brand is required")]
        if not isinstance(brand, str) or brand.lower() not in {b.lower() for b in BRANDS}:
            return [_error(185, "Brand not supported by selected provider")]
        return []

    def _store_card(self, card: dict[str, Any]) -> StoredCard:
        number = str(card["CardNumber"])
        stored = StoredCard(
            token=str(uuid.uuid4()), truncated_number=_truncate(number), last_digit=int(number[-1]),
            brand=str(card["Brand"]), expiration_date=str(card["ExpirationDate"]),
            holder=str(card.get("Holder") or ""), customer_name=str(card.get("CustomerName") or ""))
        with self._state:
            self.cards[stored.token] = stored
        return stored

    def _card_link(self, token: str) -> dict[str, str]:
        return {"Method": "GET", "Rel": "self", "Href": f"{self.url}/1/card/{token}"}

    def _get_card(self, request: RecordedRequest) -> Reply:
        token = urlsplit(request.path).path.rstrip("/").split("/")[-1]
        with self._state:
            card = self.cards.get(token.lower())
        if card is None:
            return Reply(404, [_error(130, "Could not get Credit Card")])
        return Reply(200, {"CardNumber": card.truncated_number, "Holder": card.holder,
                           "ExpirationDate": card.expiration_date, "Brand": card.brand})

    # --- Zero Auth ----------------------------------------------------------------------------------------------

    def _zero_auth(self, request: RecordedRequest) -> Reply:
        """A zero-amount authorization: is the card valid? Nothing is stored (the request log only)."""
        body = request.json()
        if not isinstance(body, dict):
            return Reply(400, [_error(0, "Request body is not a valid JSON object")])
        checked = self._zero_auth_card(body)
        if isinstance(checked, list):
            return Reply(400, checked)
        last_digit, brand, code = checked
        if code is None and last_digit == ZERO_AUTH_EXPIRED_DIGIT:
            code = ZERO_AUTH_EXPIRED_CODE
        if code is not None:
            return Reply(200, {"Valid": False, "ReturnCode": code, "ReturnMessage": ZERO_AUTH_DENIED_MESSAGE})
        answer: dict[str, Any] = {"Valid": True, "ReturnCode": ZERO_AUTH_VALID_CODE,
                                  "ReturnMessage": ZERO_AUTH_VALID_MESSAGE}
        if brand.lower() in ISSUER_TRANSACTION_BRANDS:
            answer["IssuerTransactionId"] = self._issuer_transaction_id()
        return Reply(200, answer)

    def _zero_auth_card(self, body: dict[str, Any]) -> tuple[int, str, str | None] | list[Error]:
        """The card's last digit, brand and published denial code (if any); or the validation errors."""
        errors: list[Error] = []
        card_type = body.get("CardType", "CreditCard")
        if card_type not in ZERO_AUTH_CARD_TYPES:
            errors.append(_error(0, "CardType is invalid: CreditCard or DebitCard"))
        if body.get("CardToken"):
            stored, card_errors = self._token_card(body)
            if stored is None or errors:
                return errors + card_errors
            # The denial cards fail Luhn, so none of them ever becomes a token: the ending decides alone.
            return stored.last_digit, stored.brand, None
        number = body.get("CardNumber")
        published = ZERO_AUTH_DENIALS.get(number) if isinstance(number, str) else None
        # The published denial cards fail Luhn, yet the sandbox answers them: they skip that check.
        errors += self._card_errors(body, luhn=published is None)
        if errors:
            return errors
        return int(str(number)[-1]), str(body["Brand"]), published

    # --- sales --------------------------------------------------------------------------------------------------

    def _create_sale(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if not isinstance(body, dict):
            return Reply(400, [_error(0, "Request body is not a valid JSON object")])
        payment = _node(body, "Payment")
        errors = self._sale_errors(body, payment)
        card_node = _node(payment, "CreditCard")
        card, card_errors = self._sale_card(card_node)
        errors += card_errors
        if errors:
            return Reply(400, errors)
        assert card is not None
        # The chain is checked before the issuer is asked, so a refused sale draws nothing from the seeded ending 9.
        denial = CHAIN_REFUSAL if self._breaks_chain(payment, card_node, card) else self._denial(card.last_digit)
        sale = self._authorize(body, payment, card_node, card, denial)
        answered = sale["Payment"]
        with self._state:
            self.sales[answered["PaymentId"]] = sale
            self._orders.setdefault(sale["MerchantOrderId"], []).append((answered["PaymentId"],
                                                                         answered["ReceivedDate"]))
            if card.token and answered.get("IssuerTransactionId"):
                self._chains.setdefault(card.token, set()).add(answered["IssuerTransactionId"])
        return Reply(201, copy.deepcopy(sale))

    def _breaks_chain(self, payment: dict[str, Any], card_node: dict[str, Any], card: StoredCard) -> bool:
        """Strict mode: a "Used" token sale must name an IssuerTransactionId of an approved sale of its token.

        Only Visa, Master and Elo issue IssuerTransactionIds, so only their cards can be held to the chain;
        a raw-card sale (even one that stores the card with ``SaveCard``) starts a chain, never continues one.
        """
        if not self.strict or not card_node.get("CardToken") or card.brand.lower() not in ISSUER_TRANSACTION_BRANDS:
            return False
        usage = _node(card_node, "CardOnFile").get("Usage")
        if not isinstance(usage, str) or usage.strip().lower() != "used":
            return False
        sent = payment.get("IssuerTransactionId")
        with self._state:
            return not isinstance(sent, str) or sent not in self._chains.get(card.token, set())

    @staticmethod
    def _sale_errors(body: dict[str, Any], payment: dict[str, Any]) -> list[Error]:
        errors: list[Error] = []
        order_id = body.get("MerchantOrderId")
        if not order_id:
            errors.append(_error(122, "MerchantOrderId is required"))
        elif not isinstance(order_id, str) or not _ORDER_ID.match(order_id):
            errors.append(_error(122, "MerchantOrderId is invalid: up to 50 letters and digits"))
        payment_type = payment.get("Type")
        if not payment_type:
            errors.append(_error(102, "Payment Type is required"))
        elif payment_type != "CreditCard":
            errors.append(_error(173, "Payment method is not enabled"))
        amount = payment.get("Amount")
        if not _positive_int(amount):
            errors.append(_error(108, "Amount must be greater than zero (integer, in cents)"))
        installments = payment.get("Installments")
        if not _positive_int(installments):
            errors.append(_error(123, "Installments must be greater or equal to one"))
        elif _flag(payment.get("Recurrent")) and installments != 1:
            errors.append(_error(179, "Recurrent Payment max installments is 1"))
        if _flag(payment.get("Recurrent")) and _flag(payment.get("Authenticate")):
            errors.append(_error(186, "Authenticate must be false with Recurrent"))
        return errors

    def _token_card(self, node: dict[str, Any]) -> tuple[StoredCard | None, list[Error]]:
        """The stored card of ``node["CardToken"]`` (sales and Zero Auth): 130 when unknown."""
        with self._state:
            stored = self.cards.get(str(node.get("CardToken")).lower())
        brand_errors = self._brand_errors(node.get("Brand"))
        if stored is None:
            return None, [_error(130, "Could not get Credit Card"), *brand_errors]
        return (stored, []) if not brand_errors else (None, brand_errors)

    def _sale_card(self, card_node: dict[str, Any]) -> tuple[StoredCard | None, list[Error]]:
        """The card a sale charges: its stored token, or the raw card (stored when ``SaveCard``)."""
        if card_node.get("CardToken"):
            return self._token_card(card_node)
        save = _flag(card_node.get("SaveCard"))
        errors = self._card_errors(card_node, luhn=save)
        if errors:
            return None, errors
        if save:
            return self._store_card(card_node), []
        number = str(card_node["CardNumber"])
        return StoredCard("", _truncate(number), int(number[-1]), str(card_node["Brand"]),
                          str(card_node["ExpirationDate"]), str(card_node.get("Holder") or ""), ""), []

    def _denial(self, last_digit: int) -> Denial | None:
        """The denial of the ending (None: approved); 9 draws one of the others from the seeded generator."""
        ending = last_digit
        if last_digit == RANDOM_DIGIT:
            with self._state:
                ending = self._random.choice((0, 2, 3, 5, 6, 7, 8))
        return None if ending in APPROVING_DIGITS else DENIALS[ending]

    def _authorize(self, body: dict[str, Any], payment: dict[str, Any], card_node: dict[str, Any],
                   card: StoredCard, denial: Denial | None) -> dict[str, Any]:
        now = self.now().astimezone(BRASILIA)  # Cielo answers Brasília local time without an offset
        received = now.strftime("%Y-%m-%d %H:%M:%S")
        payment_id = str(uuid.uuid4())
        capture = _flag(payment.get("Capture"))
        credit_card = {key: value for key, value in card_node.items() if key not in ("SecurityCode", "CardNumber")}
        credit_card.update({"CardNumber": card.truncated_number, "Brand": card_node.get("Brand") or card.brand,
                            "ExpirationDate": card.expiration_date, "SaveCard": _flag(card_node.get("SaveCard"))})
        if card.holder:
            credit_card["Holder"] = card.holder
        if card.token:
            credit_card["CardToken"] = card.token
        # The request's IssuerTransactionId points at an earlier sale; this answer carries only its own (if any).
        answered: dict[str, Any] = {
            **{key: copy.deepcopy(value) for key, value in payment.items() if key != "IssuerTransactionId"},
            "CreditCard": credit_card,
            "PaymentId": payment_id,
            "Type": "CreditCard",
            "Currency": payment.get("Currency") or "BRL",
            "Country": payment.get("Country") or "BRA",
            "Provider": "Simulado",
            "Capture": capture,
            "Authenticate": _flag(payment.get("Authenticate")),
            "Recurrent": _flag(payment.get("Recurrent")),
            "ReceivedDate": received,
            "Tid": now.strftime("%m%d%H%M%S") + "".join(self._ids.choices("0123456789", k=10)),
            "ProofOfSale": "".join(self._ids.choices("0123456789", k=6)),
            "ServiceTaxAmount": 0,
            "Interest": payment.get("Interest") or "ByMerchant",
        }
        self_link = {"Method": "GET", "Rel": "self", "Href": f"{self.url}/1/sales/{payment_id}"}
        links = [self_link]
        if denial is None:
            answered.update({"Status": 2 if capture else 1, "ReturnCode": "6" if capture else "4",
                             "ReturnMessage": SUCCESS_MESSAGE,
                             "AuthorizationCode": "".join(self._ids.choices("0123456789", k=6))})
            if capture:
                answered.update({"CapturedAmount": payment["Amount"], "CapturedDate": received})
            else:
                links.append({"Method": "PUT", "Rel": "capture",
                              "Href": f"{self.url}/1/sales/{payment_id}/capture"})
            links.append({"Method": "PUT", "Rel": "void", "Href": f"{self.url}/1/sales/{payment_id}/void"})
            if card.brand.lower() in ISSUER_TRANSACTION_BRANDS:
                answered["IssuerTransactionId"] = self._issuer_transaction_id()
        else:
            status, code, message, advice = denial
            answered.update({"Status": status, "ReturnCode": code, "ReturnMessage": message})
            if advice is not None and status == 3 and card.brand.lower() == "master":
                answered["MerchantAdviceCode"] = advice
        answered["Links"] = links
        return {"MerchantOrderId": body["MerchantOrderId"], "Customer": copy.deepcopy(body.get("Customer") or {}),
                "Payment": answered}

    def _sales_by_order(self, request: RecordedRequest) -> Reply:
        query = {key.lower(): values for key, values in parse_qs(urlsplit(request.path).query).items()}
        order_id = (query.get("merchantorderid") or [""])[0]
        with self._state:
            found = list(self._orders.get(order_id, []))
        if not found:
            return Reply(404, [_error(307, "Transaction not found")])
        return Reply(200, {"Payment": [{"PaymentId": payment_id, "ReceveidDate": received}
                                       for payment_id, received in found]})

    def _get_sale(self, request: RecordedRequest) -> Reply:
        payment_id = urlsplit(request.path).path.rstrip("/").split("/")[-1]
        with self._state:
            sale = self.sales.get(payment_id.lower())
        if sale is None:
            return Reply(404, [_error(307, "Transaction not found")])
        return Reply(200, copy.deepcopy(sale))
