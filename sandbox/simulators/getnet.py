"""GetNet "API Digital" v1 sandbox (the API as public GetNet SDKs and recorded homologation traffic show it).

No official v1 reference is public: this follows third-party SDKs (getnet-py,
getnet-php) and their recorded homologation traffic; where they are silent the
choices below are ours (marked "ours").

Routes:

- ``POST /auth/oauth/v2/token``: client credentials (HTTP Basic of
  ``client_id:client_secret``, form body ``scope=oob&grant_type=client_credentials``)
  → ``{"access_token", "token_type": "Bearer", "expires_in": 3600, "scope": "oob"}``.
  Wrong credentials: 401 ``{"error": "invalid_client", ...}``; another grant
  type: 400 ``unsupported_grant_type``; another scope: 400 ``invalid_scope``
  (the OAuth 2 error shape; ours).
- Every other route needs ``Authorization: Bearer <access_token>`` (unknown or
  expired: 401 in GetNet's error shape, ``GENERIC-401``; ours).
- ``POST /v1/tokens/card`` ``{card_number, customer_id}`` → 201 ``{"number_token"}``
  (128 hex). The token is valid for ONE attempt: a second use in ``/v1/cards``
  or a payment answers the recorded 400 ``TOKENIZATION-400``.
- ``POST /v1/cards`` (vault) ``{number_token, expiration_month "MM",
  expiration_year "YY", customer_id, cardholder_name, verify_card?, ...}`` →
  201 ``{"card_id", "number_token"}``. The returned ``number_token`` is a new
  one bound to the stored card and reusable while the card exists (ours)
  (``verify_card`` is accepted and not simulated).
- ``GET /v1/cards/{card_id}`` → the stored card; ``DELETE /v1/cards/{card_id}``
  → 204. Unknown or deleted: 404 ``GatewayVaultServiceError`` / ``VAULT-404``.
- ``POST /v1/cards/verification`` ``{number_token, brand, cardholder_name,
  expiration_month "MM", expiration_year "YY", security_code?}``: the issuer's
  check of a card, without charging it. ``number_token`` is a vault card's
  reusable token (what ``/v1/cards`` answers; it stays usable) or a single-use
  one from ``/v1/tokens/card`` (spent, as a payment spends it: a second use
  answers 400 ``TOKENIZATION-400``). Verified: 200 ``{"status": "VERIFIED",
  "verification_id": <uuid>, "authorization_code": <16 digits>}`` (the
  published fixture). Missing or malformed fields (``security_code``, when
  sent, is 3 or 4 digits): 400 ``GENERIC-400``.
- ``POST /v1/payments/credit``: ``seller_id`` (header or body, must be the
  simulator's), ``amount`` (integer cents > 0), ``order.order_id`` (≤ 36),
  ``customer.customer_id``, ``credit{delayed, transaction_type,
  number_installments, card{number_token | card_id, ...},
  credentials_on_file_type?, transaction_id?}``. Approved: 200 with
  ``status`` ``APPROVED`` (``AUTHORIZED`` when ``delayed``), ``payment_id`` and
  ``credit{authorization_code, transaction_id, ...}`` (as recorded homologation answers show). Validation
  errors: 400 ``GENERIC-400``.

Outcome of a payment, by the card tokenized (GetNet's published test cards; the
SDKs only say "not authorized", so the reasons are ours):

================== =========================================================
card               result
================== =========================================================
5155901222280001   approved (Mastercard)
4012001037141112   approved (Visa)
5155901222270002   402, PAYMENTS-402 "TRANSACAO NAO AUTORIZADA [ECOM - 05]"
5155901222260003   402, PAYMENTS-003 "CARTAO VENCIDO [ECOM - 54]" (recorded)
5155901222250004   402, PAYMENTS-402 "SALDO INSUFICIENTE [ECOM - 51]"
any other number   approved
================== =========================================================

Installments above 12 (``INSTALL_*``) answer the recorded 402 PAYMENTS-011
``[ECOM - 23]``. Declines are HTTP 402 ``CreditServiceError`` with
``details[0]`` carrying ``status: "NOT APPROVED"``, ``error_code``,
``description``, ``description_detail``, ``payment_id``,
``authorization_code``, ``terminal_nsu`` and ``acquirer_transaction_id``
(as the SDKs' recorded declines show).

Card verification, by the card behind the token: the expired test card
5155901222260003 is refused, HTTP 402 ``CardVerificationError`` with
``details[0]`` ``{"status": "DENIED", "error_code": "PAYMENTS-003",
"description": "Cartão vencido", "description_detail": "CARTAO VENCIDO
[ECOM - 54]"}``; every other card is verified. The declines 05 and 51 of the
other test cards are transaction declines (a valid card the issuer will not
charge this time, e.g. without funds), so verification passes and the payment
decides; an expired card is invalid from the start. The shape of a refused
verification is ours (the recorded error shape with the payment's expired-card
detail); nothing is stored and the ``brand`` is not compared with the card's.

Stored-credential chain ("strict" mode, on by default: the constructor's
``strict``, or ``POST /__sandbox/mode {"strict": false}`` at run time, read
with ``GET /__sandbox/mode``). A payment whose ``credit.credentials_on_file_type``
is ``RECURRING_PAYMENT`` or ``ONE_CLICK_PAYMENT`` (a later use of a stored
card) on a Visa, Mastercard or Elo vault card (``card.card_id``, or the
card's reusable vault ``number_token``) must carry ``credit.transaction_id``
equal to a ``credit.transaction_id`` this simulator answered on an approved
payment of the same vault card (every one of them is kept, per card; a
``delayed`` payment answered ``AUTHORIZED`` counts, since the issuer approved
it). Otherwise it is refused before the card's own outcome is read: 402
``CreditServiceError`` with ``details[0]`` ``{"status": "NOT APPROVED",
"error_code": "PAYMENTS-402", "description": "Transação não permitida",
"description_detail": "TRANSACAO NAO PERMITIDA: CREDENCIAL ARMAZENADA SEM
TRANSACTION_ID DA PRIMEIRA TRANSACAO [ECOM - 57]", "payment_id", ...}``,
kept in :attr:`GetNetSimulator.payments` as ``DENIED`` like any decline.
``RECURRING`` and ``ONE_CLICK`` (first uses), no ``credentials_on_file_type``,
single-use tokens (no vault card to chain on) and other brands are never
refused by this rule; with ``strict`` off it is not applied. GetNet does not
document how it answers a broken chain: the texts are ours, in its style.

No payment query: the v1 API documents none, so none is simulated (a route
of our own would let the adapter reconcile against something GetNet does not
offer). The adapter's ``find`` therefore answers "unknown" and an unknown
GetNet charge is settled from GetNet's portal; tests read
:meth:`GetNetSimulator.orders` / :attr:`GetNetSimulator.payments` (or
``/__sandbox/requests``, which shows ``credentials_on_file_type`` and
``transaction_id`` as sent, the 16-digit id masked to its last four like any
13-19 digit run: a card number may hide in any field).

Dates come from the simulator's clock (``base``): a payment's
``received_at`` and a vault card's ``created_at``/``used_at`` are its instant
in UTC as ``YYYY-MM-DDTHH:MM:SS.mmmZ``, ``credit.authorized_at`` the same to
the second.

The simulator never keeps a full card number: a token remembers the outcome
(a published test card's number, or "approved"), the BIN, the last four
digits and the brand.
"""
from __future__ import annotations

import base64
import binascii
import copy
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.billing.gateways.registry import GETNET, registry
from sandbox.simulators.base import Clock, RecordedRequest, Reply, Route, Simulator

APPROVED = "approved"
# card number → (error_code, description, description_detail) of its decline
DECLINES: dict[str, tuple[str, str, str]] = {
    "5155901222270002": ("PAYMENTS-402", "Transação não autorizada", "TRANSACAO NAO AUTORIZADA [ECOM - 05]"),
    "5155901222260003": ("PAYMENTS-003", "Cartão vencido", "CARTAO VENCIDO [ECOM - 54]"),
    "5155901222250004": ("PAYMENTS-402", "Saldo insuficiente", "SALDO INSUFICIENTE [ECOM - 51]"),
}
INSTALLMENTS_DECLINE = ("PAYMENTS-011", "Número de parcelas excede limite",
                        "CARTAO EXCEDEU O LIMITE PARA PARCELAMENTO [ECOM - 23]")
MAX_INSTALLMENTS = 12
TRANSACTION_TYPES = ("FULL", "INSTALL_NO_INTEREST", "INSTALL_WITH_INTEREST")
COF_TYPES = ("ONE_CLICK", "ONE_CLICK_PAYMENT", "RECURRING", "RECURRING_PAYMENT")
# Later uses of a stored card: in strict mode they must point at the card's first approved transaction.
COF_LATER_USES = ("ONE_CLICK_PAYMENT", "RECURRING_PAYMENT")
CHAIN_BRANDS = ("Visa", "Mastercard", "Elo")  # the brands whose issuers return a transaction_id to chain on
CHAIN_REFUSAL = ("PAYMENTS-402", "Transação não permitida",
                 "TRANSACAO NAO PERMITIDA: CREDENCIAL ARMAZENADA SEM TRANSACTION_ID DA PRIMEIRA TRANSACAO "
                 "[ECOM - 57]")
EXPIRED_TEST_CARD = "5155901222260003"
# card number → its (error_code, description, description_detail) in a card verification
VERIFICATION_DECLINES: dict[str, tuple[str, str, str]] = {EXPIRED_TEST_CARD: DECLINES[EXPIRED_TEST_CARD]}
VERIFIED = "VERIFIED"
SINGLE_USE_DETAIL = ("Invalid number_token, verify or renew your number_token, "
                     "it is valid for only one attempt.")
REASONS = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 404: "Not Found",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def getnet_error(status: int, name: str, error_code: str, description: str, detail: str,
                 *, detail_status: str | None = None, **extra: Any) -> Reply:
    """GetNet's error body: ``{message, name, status_code, details: [...]}``.

    ``details[0].status`` is "NOT APPROVED" on a 402 (a declined payment) and "DENIED" otherwise, unless
    ``detail_status`` says (a refused card verification is a 402 "DENIED").
    """
    default_status = "NOT APPROVED" if status == 402 else "DENIED"
    item = {"status": detail_status or default_status, "error_code": error_code,
            "description": description, "description_detail": detail, **extra}
    return Reply(status, {"message": REASONS.get(status, "Error"), "name": name, "status_code": status,
                          "details": [item]})


def _invalid(detail: str) -> Reply:
    return getnet_error(400, "ValidationError", "GENERIC-400", "Bad Request", detail)


def _brand(number: str) -> str:
    # Elo first: some Elo ranges start with 4 (and 5), which would read as Visa (Mastercard).
    if number.startswith(("4011", "4312", "4389", "4514", "4576", "5041", "5066", "5067", "509", "6277",
                          "6362", "6363", "650", "6516", "6550")):
        return "Elo"
    if number.startswith("4"):
        return "Visa"
    if number[:2] in ("34", "37"):
        return "Amex"
    if number.startswith(("606282", "3841")):
        return "Hipercard"
    return "Mastercard"


def _digits(value: Any, lengths: tuple[int, ...]) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) in lengths


@dataclass
class CardData:
    """What a token or stored card remembers: never the full number."""

    outcome: str  # APPROVED or a key of DECLINES
    bin: str
    last_four_digits: str
    brand: str


@dataclass
class NumberToken:
    token: str
    card: CardData
    customer_id: str
    used: bool = False


@dataclass
class VaultCard:
    card_id: str
    number_token: str  # reusable while the card exists
    card: CardData
    customer_id: str
    cardholder_name: str
    expiration_month: int
    expiration_year: int
    created_at: str
    used_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "last_four_digits": self.card.last_four_digits, "bin": self.card.bin,
                "expiration_month": self.expiration_month, "expiration_year": self.expiration_year,
                "brand": self.card.brand, "cardholder_name": self.cardholder_name,
                "customer_id": self.customer_id, "number_token": self.number_token, "used_at": self.used_at,
                "created_at": self.created_at, "updated_at": self.used_at or self.created_at,
                "status": "active"}


class GetNetSimulator(Simulator):
    name = GETNET
    env_urls = registry.get(GETNET).url_variables
    mask_digit_runs = True
    switches = ("strict",)

    # The credentials accepted by default (GetNet issues UUIDv4 client ids, secrets and seller ids).
    DEFAULT_CLIENT_ID = "6e7f0a1b-0000-4000-8000-6e7f0a1b0001"
    DEFAULT_CLIENT_SECRET = "6e7f0a1b-0000-4000-8000-5ec7e7000002"
    DEFAULT_SELLER_ID = "6e7f0a1b-0000-4000-8000-5e11e7000003"
    TOKEN_SECONDS = 3600

    def __init__(self, port: int = 0, client_id: str = DEFAULT_CLIENT_ID,
                 client_secret: str = DEFAULT_CLIENT_SECRET, seller_id: str = DEFAULT_SELLER_ID,
                 token_seconds: int = TOKEN_SECONDS, *, clock: Clock | None = None, strict: bool = True) -> None:
        super().__init__(port, clock=clock)
        self.strict = strict  # the stored-credential chain rule (module docstring)
        self.client_id = client_id
        self.client_secret = client_secret
        self.seller_id = seller_id
        self.token_seconds = token_seconds
        self._state = threading.Lock()
        self._access_tokens: dict[str, float] = {}  # token → monotonic expiry
        self.number_tokens: dict[str, NumberToken] = {}
        self.cards: dict[str, VaultCard] = {}
        self._vault_tokens: dict[str, str] = {}  # vault number_token → card_id
        self.payments: dict[str, dict[str, Any]] = {}  # payment_id → answered body (declines too)
        self._chains: dict[str, set[str]] = {}  # card_id → transaction_ids of its approved payments

    def routes(self) -> dict[tuple[str, str], Route]:
        return {
            ("POST", "/auth/oauth/v2/token"): self._issue_token,
            ("POST", "/v1/tokens/card"): self._bearer(self._tokenize),
            ("POST", "/v1/cards"): self._bearer(self._store_card),
            ("GET", "/v1/cards/{card_id}"): self._bearer(self._get_card),
            ("DELETE", "/v1/cards/{card_id}"): self._bearer(self._delete_card),
            ("POST", "/v1/cards/verification"): self._bearer(self._verify_card),
            ("POST", "/v1/payments/credit"): self._bearer(self._pay),
        }

    def timestamp(self) -> str:
        """The clock's instant as GetNet writes it: UTC, milliseconds, ``Z``."""
        return self.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def fault_reply(self, status: int) -> Reply:
        return Reply(status, {"message": REASONS.get(status, "Error"), "name": "ServerError",
                              "status_code": status, "details": []})

    def orders(self, order_id: str) -> list[dict[str, Any]]:
        """The payments (approved or declined) of an order, oldest first."""
        with self._state:
            return [copy.deepcopy(p) for p in self.payments.values() if p.get("order_id") == order_id]

    # --- OAuth --------------------------------------------------------------------------------------------------

    def _issue_token(self, request: RecordedRequest) -> Reply:
        if not self._basic_credentials_ok(request.header("Authorization") or ""):
            return Reply(401, {"error": "invalid_client",
                               "error_description": "The given client credentials were not valid"})
        form = {key: values[0] for key, values in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type",
                               "error_description": "The grant_type must be client_credentials"})
        if form.get("scope", "oob") != "oob":
            return Reply(400, {"error": "invalid_scope", "error_description": "The scope must be oob"})
        token = str(uuid.uuid4())
        with self._state:
            self._access_tokens[token] = time.monotonic() + self.token_seconds
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_seconds,
                           "scope": "oob"})

    def _basic_credentials_ok(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        client_id, _, secret = decoded.partition(":")
        return secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(secret,
                                                                                            self.client_secret)

    def expire_access_tokens(self) -> None:
        """Expire every access token at once (tests of the adapter's refresh)."""
        with self._state:
            self._access_tokens.clear()

    def _bearer(self, route: Route) -> Route:
        def guarded(request: RecordedRequest) -> Reply:
            scheme, _, token = (request.header("Authorization") or "").partition(" ")
            with self._state:
                expiry = self._access_tokens.get(token.strip())
            if scheme.lower() != "bearer" or expiry is None or expiry < time.monotonic():
                return getnet_error(401, "Unauthorized", "GENERIC-401", "Unauthorized",
                                    "Access token is invalid or expired")
            return route(request)

        return guarded

    # --- tokens and vault ---------------------------------------------------------------------------------------

    def _tokenize(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if not isinstance(body, dict):
            return _invalid("Request body is not a valid JSON object")
        number = body.get("card_number")
        if not isinstance(number, str) or not re.fullmatch(r"\d{13,19}", number):
            return _invalid("card_number is invalid")
        customer_id = body.get("customer_id")
        if not isinstance(customer_id, str) or not 0 < len(customer_id) <= 100:
            return _invalid("customer_id is invalid")
        card = CardData(outcome=number if number in DECLINES else APPROVED, bin=number[:6],
                        last_four_digits=number[-4:], brand=_brand(number))
        token = secrets.token_hex(64)
        with self._state:
            self.number_tokens[token] = NumberToken(token, card, customer_id)
        return Reply(201, {"number_token": token})

    def _consume(self, token: Any) -> NumberToken | None:
        """Takes a single-use token: None when unknown or already used."""
        with self._state:
            found = self.number_tokens.get(token) if isinstance(token, str) else None
            if found is None or found.used:
                return None
            found.used = True
            return found

    @staticmethod
    def _used_token() -> Reply:
        return getnet_error(400, "GatewayTokenizationServiceError", "TOKENIZATION-400", "Bad Request",
                            SINGLE_USE_DETAIL)

    def _store_card(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if not isinstance(body, dict):
            return _invalid("Request body is not a valid JSON object")
        problem = self._card_problem(body, require_holder=True)
        if problem is None and not isinstance(body.get("customer_id"), str):
            problem = "customer_id is required"
        if problem is not None:
            return _invalid(problem)
        token = self._consume(body.get("number_token"))
        if token is None:
            return self._used_token()
        card = VaultCard(
            card_id=str(uuid.uuid4()), number_token=secrets.token_hex(64), card=token.card,
            customer_id=str(body["customer_id"]), cardholder_name=str(body["cardholder_name"]),
            expiration_month=int(body["expiration_month"]), expiration_year=int(body["expiration_year"]),
            created_at=self.timestamp())
        with self._state:
            self.cards[card.card_id] = card
            self._vault_tokens[card.number_token] = card.card_id
        return Reply(201, {"card_id": card.card_id, "number_token": card.number_token})

    @staticmethod
    def _card_problem(card: dict[str, Any], require_holder: bool) -> str | None:
        if not isinstance(card.get("number_token"), str):
            return "number_token is required"
        month = card.get("expiration_month")
        if not _digits(month, (2,)) or not 1 <= int(str(month)) <= 12:
            return "expiration_month is invalid"
        if not _digits(card.get("expiration_year"), (2,)):
            return "expiration_year is invalid"
        holder = card.get("cardholder_name")
        if require_holder and (not isinstance(holder, str) or not holder.strip()):
            return "cardholder_name is required"
        return None

    def _vault_card(self, request: RecordedRequest) -> VaultCard | None:
        card_id = urlsplit(request.path).path.rstrip("/").split("/")[-1]
        with self._state:
            return self.cards.get(card_id)

    @staticmethod
    def _card_not_found() -> Reply:
        return getnet_error(404, "GatewayVaultServiceError", "VAULT-404", "Not Found", "Card not found")

    def _get_card(self, request: RecordedRequest) -> Reply:
        card = self._vault_card(request)
        return Reply(200, card.as_dict()) if card is not None else self._card_not_found()

    def _delete_card(self, request: RecordedRequest) -> Reply:
        card = self._vault_card(request)
        if card is None:
            return self._card_not_found()
        with self._state:
            self.cards.pop(card.card_id, None)
            self._vault_tokens.pop(card.number_token, None)
            self._chains.pop(card.card_id, None)
        return Reply(204, None)

    # --- card verification --------------------------------------------------------------------------------------

    def _verify_card(self, request: RecordedRequest) -> Reply:
        """The issuer's zero-amount check of a card; nothing is stored (a single-use token is spent)."""
        body = request.json()
        if not isinstance(body, dict):
            return _invalid("Request body is not a valid JSON object")
        problem = self._card_problem(body, require_holder=True)
        brand = body.get("brand")
        if problem is None and (not isinstance(brand, str) or not brand.strip()):
            problem = "brand is required"
        code = body.get("security_code")
        if problem is None and code is not None and not _digits(code, (3, 4)):
            problem = "security_code is invalid"
        if problem is not None:
            return _invalid(problem)
        with self._state:
            card_id = self._vault_tokens.get(body["number_token"])
            stored = self.cards.get(card_id) if card_id else None
        # A vault card's token is reusable; any other token is a single-use one, spent as a payment spends it.
        token = None if stored is not None else self._consume(body["number_token"])
        card = stored.card if stored is not None else token.card if token is not None else None
        if card is None:
            return self._used_token()
        decline = VERIFICATION_DECLINES.get(card.outcome)
        if decline is not None:
            return getnet_error(402, "CardVerificationError", *decline, detail_status="DENIED")
        return Reply(200, {"status": VERIFIED, "verification_id": str(uuid.uuid4()),
                           "authorization_code": "".join(secrets.choice("0123456789") for _ in range(16))})

    # --- payments -----------------------------------------------------------------------------------------------

    def _pay(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if not isinstance(body, dict):
            return _invalid("Request body is not a valid JSON object")
        seller_id = request.header("seller_id") or body.get("seller_id")
        problem = "seller_id is invalid" if seller_id != self.seller_id else self._payment_problem(body)
        if problem is not None:
            return _invalid(problem)
        credit: dict[str, Any] = body["credit"]
        found = self._payment_card(credit["card"])
        if isinstance(found, Reply):
            return found
        card_data, card_id = found
        return self._decide(body, credit, card_data, card_id)

    @staticmethod
    def _payment_problem(body: dict[str, Any]) -> str | None:
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return "amount is invalid"
        order = body.get("order")
        if not isinstance(order, dict) or not isinstance(order.get("order_id"), str) \
                or not 0 < len(order["order_id"]) <= 36:
            return "order.order_id is invalid"
        customer = body.get("customer")
        if not isinstance(customer, dict) or not isinstance(customer.get("customer_id"), str):
            return "customer.customer_id is required"
        credit = body.get("credit")
        if not isinstance(credit, dict):
            return "credit is required"
        return GetNetSimulator._credit_problem(credit)

    @staticmethod
    def _credit_problem(credit: dict[str, Any]) -> str | None:
        if not isinstance(credit.get("delayed", False), bool):
            return "credit.delayed is invalid"
        transaction_type = credit.get("transaction_type", "FULL")
        if transaction_type not in TRANSACTION_TYPES:
            return "credit.transaction_type is invalid"
        installments = credit.get("number_installments", 1)
        if not isinstance(installments, int) or isinstance(installments, bool) or installments < 1:
            return "credit.number_installments is invalid"
        if transaction_type == "FULL" and installments != 1:
            return "credit.number_installments must be 1 with transaction_type FULL"
        cof = credit.get("credentials_on_file_type")
        if cof is not None and cof not in COF_TYPES:
            return "credit.credentials_on_file_type is invalid"
        card = credit.get("card")
        if not isinstance(card, dict):
            return "credit.card is required"
        if "card_id" in card:
            return None if isinstance(card["card_id"], str) else "credit.card.card_id is invalid"
        return GetNetSimulator._card_problem(card, require_holder=False)

    def _payment_card(self, card_node: dict[str, Any]) -> tuple[CardData, str | None] | Reply:
        """The card a payment charges and its vault card_id: a vault card (by card_id or its reusable token),
        or a single-use token (no card_id); the error reply when there is none."""
        now = self.timestamp()
        with self._state:
            card_id = card_node.get("card_id") or self._vault_tokens.get(str(card_node.get("number_token")))
            stored = self.cards.get(card_id) if card_id else None
            if stored is not None:
                stored.used_at = now
                return stored.card, stored.card_id
        if card_node.get("card_id"):
            return self._card_not_found()
        token = self._consume(card_node.get("number_token"))
        return (token.card, None) if token is not None else self._used_token()

    def _breaks_chain(self, credit: dict[str, Any], card: CardData, card_id: str | None) -> bool:
        """Strict mode: a later use of a vault card must name a transaction_id of an approved payment of it.

        A single-use token has no vault card to chain on, and only Visa, Mastercard and Elo return a
        transaction_id to point at, so the rule is off for them.
        """
        if not self.strict or card_id is None or card.brand not in CHAIN_BRANDS:
            return False
        if credit.get("credentials_on_file_type") not in COF_LATER_USES:
            return False
        sent = credit.get("transaction_id")
        with self._state:
            return not isinstance(sent, str) or sent not in self._chains.get(card_id, set())

    def _decide(self, body: dict[str, Any], credit: dict[str, Any], card: CardData, card_id: str | None) -> Reply:
        payment_id = str(uuid.uuid4())
        now = self.timestamp()
        transaction_id = "".join(secrets.choice("0123456789") for _ in range(16))
        common = {"payment_id": payment_id, "authorization_code": "000000000000000",
                  "terminal_nsu": "".join(secrets.choice("0123456789") for _ in range(6)),
                  "acquirer_transaction_id": "".join(secrets.choice("0123456789") for _ in range(12))}
        # The chain is checked before the issuer is asked: it refuses whatever the card's own outcome.
        decline = CHAIN_REFUSAL if self._breaks_chain(credit, card, card_id) else DECLINES.get(card.outcome)
        if decline is None and credit.get("number_installments", 1) > MAX_INSTALLMENTS:
            decline = INSTALLMENTS_DECLINE
        record: dict[str, Any] = {"payment_id": payment_id, "seller_id": self.seller_id, "amount": body["amount"],
                                  "currency": body.get("currency") or "BRL", "order_id": body["order"]["order_id"],
                                  "received_at": now}
        if decline is not None:
            error_code, description, detail = decline
            reply = getnet_error(402, "CreditServiceError", error_code, description, detail, **common)
            with self._state:
                self.payments[payment_id] = {**record, "status": "DENIED", "response": reply.body}
            return reply
        delayed = bool(credit.get("delayed", False))
        answered = {**record, "status": "AUTHORIZED" if delayed else "APPROVED", "credit": {
            "delayed": delayed, "authorization_code": transaction_id, "authorized_at": now[:19] + "Z",
            "reason_code": "00", "reason_message": "transaction approved", "acquirer": "GETNET",
            "soft_descriptor": credit.get("soft_descriptor") or "", "brand": card.brand.lower(),
            "terminal_nsu": common["terminal_nsu"], "acquirer_transaction_id": common["acquirer_transaction_id"],
            "transaction_id": transaction_id}}
        with self._state:
            self.payments[payment_id] = copy.deepcopy(answered)
            if card_id is not None:  # an authorization (delayed) is an issuer's approval too
                self._chains.setdefault(card_id, set()).add(transaction_id)
        return Reply(200, answered)
