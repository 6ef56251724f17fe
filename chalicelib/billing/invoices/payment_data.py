"""An invoice's payment data issued outside (the provider's bank or PIX provider): the boleto's typeable line
and barcode, the PIX copy-and-paste code, a payment link and the bank's ``nosso número``; what kind of charge
an invoice is (``tipo_cobranca``). Pure: no I/O.

We never compute boleto digits nor PIX codes: we keep what the provider's bank issued, checked for form (digits
of the right length, an EMV string, an https link), and hand it back wherever the invoice is shown.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import urlsplit

# Typeable line of a bank boleto (47 digits) or of a utility/tax collection slip (48 digits).
DIGITABLE_LINE_LENGTHS = (47, 48)
BARCODE_LENGTH = 44
PIX_PREFIX = "000201"  # EMV QR Code: payload format indicator "01", first field of every BR Code
PIX_MIN_LENGTH = 50
PIX_MAX_LENGTH = 512
LINK_MAX_LENGTH = 500
BANK_NUMBER_MAX_LENGTH = 30

# tipo_cobranca, HubSoft's vocabulary for how an invoice is charged.
CARD = "cartao_credito"  # paid (or settled) by credit card
BOLETO = "boleto_bancario"  # carries a boleto (typeable line or barcode)
PIX = "pix"  # carries a PIX code and no boleto
WALLET = "carteira"  # no external payment data: collected by the provider itself (cash, transfer, link...)
CHARGE_KINDS = (CARD, BOLETO, PIX, WALLET)


@dataclass(frozen=True)
class PaymentData:
    """Each field empty when not issued."""

    digitable_line: str = ""  # linha_digitavel, digits only
    barcode: str = ""  # codigo_barras, digits only
    pix_code: str = ""  # pix_copia_cola
    link: str = ""
    bank_number: str = ""  # nosso_numero

    def merged(self, change: PaymentDataChange) -> PaymentData:
        """This data with the fields ``change`` gives (None: keep; "": clear)."""
        given = {f.name: getattr(change, f.name) for f in fields(change) if getattr(change, f.name) is not None}
        return replace(self, **given)

    @property
    def empty(self) -> bool:
        return not (self.digitable_line or self.barcode or self.pix_code or self.link)


@dataclass(frozen=True)
class PaymentDataChange:
    """A change of payment data: None keeps the field, "" clears it."""

    digitable_line: str | None = None
    barcode: str | None = None
    pix_code: str | None = None
    link: str | None = None
    bank_number: str | None = None


def clean_digits(value: str) -> str:
    """A typed line as banks print it (``23790.12345 60000...``): spaces, dots and dashes dropped."""
    return "".join(c for c in value if c not in " .-")


def problems(data: PaymentData | PaymentDataChange) -> list[str]:
    """Why the given fields cannot be an invoice's payment data, in Portuguese (empty: they can)."""
    errors: list[str] = []
    line = data.digitable_line
    if line and (not line.isdigit() or len(line) not in DIGITABLE_LINE_LENGTHS):
        errors.append("O campo linha_digitavel deve ter 47 dígitos (boleto bancário) ou 48 (arrecadação), só "
                      "números.")
    if data.barcode and (not data.barcode.isdigit() or len(data.barcode) != BARCODE_LENGTH):
        errors.append(f"O campo codigo_barras deve ter {BARCODE_LENGTH} dígitos, só números.")
    pix = data.pix_code
    if pix and (not pix.startswith(PIX_PREFIX) or not PIX_MIN_LENGTH <= len(pix) <= PIX_MAX_LENGTH
                or not pix.isprintable()):
        errors.append(f"O campo pix_copia_cola deve ser o código PIX copia e cola (começa com {PIX_PREFIX}), de "
                      f"{PIX_MIN_LENGTH} a {PIX_MAX_LENGTH} caracteres.")
    if data.link and not _https(data.link):
        errors.append(f"O campo link deve ser um endereço https:// de até {LINK_MAX_LENGTH} caracteres.")
    number = data.bank_number
    if number and (len(number) > BANK_NUMBER_MAX_LENGTH or not number.replace("-", "").isalnum()):
        errors.append(f"O campo nosso_numero deve ter até {BANK_NUMBER_MAX_LENGTH} letras ou números.")
    return errors


def _https(link: str) -> bool:
    if len(link) > LINK_MAX_LENGTH or any(c.isspace() for c in link):
        return False
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "." in (parts.hostname or "")


def charge_kind(data: PaymentData, payment_method: str, paid_card: str) -> str:
    """``tipo_cobranca``: a card payment says so; otherwise what the invoice carries (a boleto, else a PIX code),
    else ``carteira``."""
    if paid_card or payment_method == CARD:
        return CARD
    if data.digitable_line or data.barcode:
        return BOLETO
    if data.pix_code:
        return PIX
    return WALLET
