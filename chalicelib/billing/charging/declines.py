"""What a gateway's answer means for the charge, kept as data.

Every outcome is one of five classes: approved; declined but retryable;
declined, never retry (the card is flagged); declined but the customer must
act (still retried next day, and told at once what to do); unknown (timeout,
5xx, Cielo's Status 0: reconcile by query before anything is sent again).

Each adapter reads its own gateway's answer (``classify`` in
``billing.gateways.cielo`` and ``billing.gateways.getnet``); what the
issuer's code in it means, whichever gateway carried it, is
``issuer_decline``: the tables follow the ABECS return codes Cielo publishes
with its "other codes", and the brands' retry programs (Visa's categories,
Mastercard's Merchant Advice Codes).
"""
from __future__ import annotations

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

# Production: codes needing the cardholder, whatever the brand.
CUSTOMER_ACTION_CODES = {"78": UNLOCK, "54": EXPIRED, "BV": EXPIRED}
# ABECS irreversible codes per brand plus Visa's category 1.
IRREVERSIBLE: dict[str, frozenset[str]] = {
    "Visa": frozenset({"14", "N7", "3", "19", "6", "12", "13", "41", "43", "58", "74", "81", "82", "N8", "4", "7",
                       "15", "64", "76", "92", "93", "94", "R0", "R1", "R3", "46", "6P", "57"}),
    "Master": frozenset({"14", "1", "3", "30", "13", "12", "41", "43", "58", "62", "88", "4", "15", "92", "94"}),
    "Elo": frozenset({"57", "14", "56", "63", "58", "19", "12", "30", "13", "23", "41", "43", "62", "64", "83",
                      "76", "77", "82", "46"}),
    "Amex": frozenset({"FD", "8", "DA", "A2", "A3", "JB", "BV", "A7"}),
}
IRREVERSIBLE["Hipercard"] = IRREVERSIBLE["Master"]
# Cielo's "never retry" list of ABECS and its own codes.
NEVER_RETRY = frozenset({
    "2", "22", "24", "79", "80", "82", "83", "85", "90", "97", "AF", "AG", "AH", "AI", "AJ", "BD", "BM", "BN", "BP",
    "BR", "C1", "C2", "C3", "CF", "CG", "DQ", "EE", "FC", "FE", "FG", "GA", "GF", "GT", "GK", "HJ", "IA", "KA",
    "KB", "KE", "SC", "U3",
})
# Mastercard Merchant Advice Codes that forbid another attempt.
MAC_DO_NOT_RETRY = frozenset({"03", "21", "40", "41"})
NO_FUNDS_CODES = frozenset({"51", "A5", "61", "N4", "70", "DM", "BL", "67"})


def normalize(code: str) -> str:
    """``"05"`` → ``"5"``; letters and ``"BP 900"`` as they are (upper case)."""
    text = code.strip().upper()
    return str(int(text)) if is_digits(text) else text


def issuer_decline(code: str, raw: str, brand: str, mac: str = "", has_new_card: bool = False) -> Classification:
    """A production decline by the issuer's ``code`` (``normalize``d; ``raw``: as the gateway wrote it), the
    card's ``brand``, Mastercard's Merchant Advice Code ``mac`` and whether the issuer sent a replacement card."""
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
