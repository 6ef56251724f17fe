"""What a gateway's answer means for the charge, kept as data.

Every outcome is one of five classes (ours, common to Cielo and GetNet):
approved; declined but retryable; declined, never retry (the card is
flagged); declined but the customer must act (still retried next day, and
told at once what to do); unknown (timeout, 5xx, Status 0: reconcile by
query before anything is sent again).

The tables follow Cielo's return-code pages (the ABECS codes and "other
codes"), the brands' retry programs as Cielo publishes them, and the sandbox
"Simulado" codes of Cielo's API 3.0 manual, which mean other things than in
production, so the environment is part of the input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.input_rules import is_digits


class Outcome(StrEnum):
    APPROVED = "aprovado"
    RETRYABLE = "recusado_retentavel"
    DO_NOT_RETRY = "recusado_nao_retentar"
    CUSTOMER_ACTION = "requer_acao_cliente"
    UNKNOWN = "desconhecido"


@dataclass(frozen=True)
class Classification:
    outcome: Outcome
    code: str
    # What the customer should read (WhatsApp, charge panel); empty when nothing to tell.
    guidance: str = ""

    @property
    def flags_card(self) -> bool:
        """A never-retry decline marks the stored card as unusable."""
        return self.outcome is Outcome.DO_NOT_RETRY


RETRY_TOMORROW = "A cobrança foi recusada pelo banco emissor do cartão. Faremos uma nova tentativa amanhã."
NO_FUNDS = "Saldo ou limite insuficiente no cartão. Faremos uma nova tentativa amanhã."
UNLOCK = ("Seu cartão está bloqueado. Desbloqueie-o no aplicativo do seu banco; faremos uma nova tentativa "
          "amanhã.")
EXPIRED = "Seu cartão está vencido. Cadastre um novo cartão para evitar a suspensão do serviço."
NEW_CARD = ("O banco emissor recusou o cartão e não autoriza novas tentativas. Cadastre outro cartão ou pague a "
            "fatura por outro meio.")
REPLACED = "Seu cartão foi substituído pelo banco. Cadastre o novo cartão para continuar pagando automaticamente."

# Sandbox "Simulado" endings (Cielo's API 3.0 manual): the codes mean something else in production.
SANDBOX: dict[str, Classification] = {
    "5": Classification(Outcome.RETRYABLE, "05", RETRY_TOMORROW),
    "57": Classification(Outcome.CUSTOMER_ACTION, "57", EXPIRED),
    "78": Classification(Outcome.CUSTOMER_ACTION, "78", UNLOCK),
    "77": Classification(Outcome.DO_NOT_RETRY, "77", NEW_CARD),
    "70": Classification(Outcome.RETRYABLE, "70", RETRY_TOMORROW),
    "99": Classification(Outcome.UNKNOWN, "99"),
}

# Production: codes needing the cardholder, whatever the brand.
CUSTOMER_ACTION_CODES = {"78": UNLOCK, "54": EXPIRED, "BV": EXPIRED}
# ABECS irreversible codes per brand (Cielo's ABECS table) plus Visa's category 1 (the brands' retry programs).
IRREVERSIBLE: dict[str, frozenset[str]] = {
    "Visa": frozenset({"14", "N7", "3", "19", "6", "12", "13", "41", "43", "58", "74", "81", "82", "N8", "4", "7",
                       "15", "64", "76", "92", "93", "94", "R0", "R1", "R3", "46", "6P", "57"}),
    "Master": frozenset({"14", "1", "3", "30", "13", "12", "41", "43", "58", "62", "88", "4", "15", "92", "94"}),
    "Elo": frozenset({"57", "14", "56", "63", "58", "19", "12", "30", "13", "23", "41", "43", "62", "64", "83",
                      "76", "77", "82", "46"}),
    "Amex": frozenset({"FD", "8", "DA", "A2", "A3", "JB", "BV", "A7"}),
}
IRREVERSIBLE["Hipercard"] = IRREVERSIBLE["Master"]
# Cielo's "never retry" list (its "other codes" table).
NEVER_RETRY = frozenset({
    "2", "22", "24", "79", "80", "82", "83", "85", "90", "97", "AF", "AG", "AH", "AI", "AJ", "BD", "BM", "BN", "BP",
    "BR", "C1", "C2", "C3", "CF", "CG", "DQ", "EE", "FC", "FE", "FG", "GA", "GF", "GT", "GK", "HJ", "IA", "KA",
    "KB", "KE", "SC", "U3",
})
# Mastercard Merchant Advice Codes that forbid another attempt (the brands' retry programs).
MAC_DO_NOT_RETRY = frozenset({"03", "21", "40", "41"})
# Cielo codes whose answer is not known yet: query before re-sending (BP 900/901; AA timeout).
UNKNOWN_CODES = frozenset({"BP 900", "BP 901", "AA"})
NO_FUNDS_CODES = frozenset({"51", "A5", "61", "N4", "70", "DM", "BL", "67"})

_ECOM = re.compile(r"\[ECOM\s*-\s*([0-9A-Z]{1,3})\]")


def getnet_issuer_code(description_detail: str) -> str | None:
    """The issuer's code GetNet writes into its texts as ``[ECOM - NN]``, if any."""
    match = _ECOM.search(description_detail or "")
    return match.group(1) if match else None


def normalize(code: str) -> str:
    """``"05"`` → ``"5"``; letters and ``"BP 900"`` as they are (upper case)."""
    text = code.strip().upper()
    return str(int(text)) if is_digits(text) else text


def classify_cielo(status: int | None, return_code: str, brand: str, *, sandbox: bool,
                   merchant_advice_code: str = "", has_new_card: bool = False) -> Classification:
    """Cielo API 3.0: decide on ``Payment.Status``, then on ``ReturnCode``."""
    code = normalize(return_code or "")
    if status == 2:
        return Classification(Outcome.APPROVED, return_code)
    if status is None or status in (0, 1, 12) or code in UNKNOWN_CODES:
        # 1 (authorized, not captured) and 12 (pending) are not money yet either.
        return Classification(Outcome.UNKNOWN, return_code)
    if sandbox:
        return SANDBOX.get(code, Classification(Outcome.RETRYABLE, return_code, RETRY_TOMORROW))
    return _production(code, return_code, brand, merchant_advice_code.strip(), has_new_card)


def classify_getnet(http_status: int, status: str, description_detail: str = "",
                    brand: str = "") -> Classification:
    """GetNet v1: APPROVED on 200; a 402 decline carries the issuer code as ``[ECOM - NN]``."""
    if http_status in (200, 201) and status.upper() in ("APPROVED", "AUTHORIZED"):
        return Classification(Outcome.APPROVED, "00")
    if http_status >= 500 or http_status in (0, 408, 429):
        return Classification(Outcome.UNKNOWN, str(http_status))
    issuer_code = getnet_issuer_code(description_detail)
    if http_status == 402 and issuer_code:
        return _production(normalize(issuer_code), issuer_code, brand, "", False)
    if http_status == 402:
        return Classification(Outcome.RETRYABLE, status or "402", RETRY_TOMORROW)
    return Classification(Outcome.UNKNOWN, str(http_status))


def _production(code: str, raw: str, brand: str, mac: str, has_new_card: bool) -> Classification:
    if has_new_card:
        return Classification(Outcome.DO_NOT_RETRY, raw, REPLACED)
    if mac in MAC_DO_NOT_RETRY:
        return Classification(Outcome.DO_NOT_RETRY, raw, NEW_CARD)
    if code in CUSTOMER_ACTION_CODES:
        return Classification(Outcome.CUSTOMER_ACTION, raw, CUSTOMER_ACTION_CODES[code])
    if code in NEVER_RETRY or code in IRREVERSIBLE.get(brand, frozenset()):
        return Classification(Outcome.DO_NOT_RETRY, raw, NEW_CARD)
    if code in NO_FUNDS_CODES:
        return Classification(Outcome.RETRYABLE, raw, NO_FUNDS)
    return Classification(Outcome.RETRYABLE, raw, RETRY_TOMORROW)
