"""Customers, services and installation addresses; search keys derived from them."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.input_rules import digits_of

UFS = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB",
    "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)
# Area codes (DDD) in use in Brazil (Anatel).
DDDS = frozenset({
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69,
    71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
})
SERVICE_ENABLED = "servico_habilitado"
SERVICE_SUSPENDED = "servico_suspenso"  # while an unpaid invoice keeps it so (billing's suspension profiles)
NAME_STOPWORDS = frozenset({"da", "de", "do", "das", "dos", "e", "a", "o"})
MAX_NAME_TOKENS = 12


@dataclass(frozen=True)
class Address:
    logradouro: str
    numero: str
    bairro: str
    cidade: str
    uf: str
    cep: str
    complemento: str = ""

    def display(self) -> str:
        """HubSoft's flat form: ``RUA X, 10 - CENTRO, CAMPINAS/SP | CEP: 13010-000``."""
        return (
            f"{self.logradouro}, {self.numero} - {self.bairro}, {self.cidade}/{self.uf} "
            f"| CEP: {self.cep[:5]}-{self.cep[5:]}"
        )


@dataclass(frozen=True)
class Holder:
    """The customer a service belongs to, kept with the service so that an OS
    opened for it is shown without reading the customer (the API has no
    customer rename; one must update this copy too)."""

    code: int
    name: str
    document: str


@dataclass(frozen=True)
class Service:
    id: int
    customer_id: int
    name: str
    amount_cents: int
    address: Address
    status: str = SERVICE_ENABLED
    suspension_profile_id: int | None = None
    created_at: datetime | None = None
    holder: Holder | None = None
    # The profile's usage count includes this service (always, for a profile chosen since the count is kept; a
    # service whose profile was chosen before is counted by ``ops count-profile-usage`` or its next change).
    profile_counted: bool = False
    # Trust unlock (billing.suspension.trust): suspended by an unpaid invoice but enabled until the start of this
    # local day, when the hourly tick suspends it again; None when not unlocked in trust (or nothing is owed).
    trusted_until: date | None = None


@dataclass(frozen=True)
class Customer:
    id: int
    code: int
    name: str
    document: str  # normalized CPF/CNPJ
    phone: str  # national digits, DDNNNNNNNNN
    email: str
    created_at: datetime
    services: tuple[Service, ...] = field(default_factory=tuple)

    @property
    def person_type(self) -> str:
        return "pessoa_fisica" if len(self.document) == 11 else "pessoa_juridica"


@dataclass(frozen=True)
class NewService:
    name: str
    amount_cents: int
    address: Address
    suspension_profile_id: int | None = None


@dataclass(frozen=True)
class NewCustomer:
    name: str
    document: str
    phone: str
    email: str
    services: tuple[NewService, ...] = ()


def fold(text: str) -> str:
    """Lower-case without accents: ``"São João"`` → ``"sao joao"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_tokens(name: str) -> list[str]:
    """The words a name is found by (folded, no stop words, no repeats)."""
    tokens: list[str] = []
    for word in re.findall(r"[a-z0-9]+", fold(name)):
        if word not in NAME_STOPWORDS and len(word) >= 2 and word not in tokens:
            tokens.append(word)
    return tokens[:MAX_NAME_TOKENS]


def matches_name(name: str, query_tokens: list[str]) -> bool:
    """Every query word is the start of some word of the name."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    return all(any(w.startswith(q) for w in words) for q in query_tokens)


def normalize_phone(value: str) -> str | None:
    """A Brazilian number as ``DDNNNNNNNN(N)``; None when it cannot be one."""
    digits = digits_of(value)
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    elif len(digits) in (11, 12) and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) not in (10, 11) or int(digits[:2]) not in DDDS:
        return None
    if len(digits) == 11 and digits[2] != "9":
        return None  # 11-digit numbers are mobiles, which start with 9
    return digits
