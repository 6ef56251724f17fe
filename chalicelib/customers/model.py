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


@dataclass(frozen=True)
class ServiceStatus:
    """A service status as HubSoft's ``configuracao/servico_status`` lists it; ids are stable (clients store them)."""

    id: int
    prefix: str
    description: str


# The statuses our services take (HubSoft has more: installation, migration, cancellation...).
SERVICE_STATUSES = (
    ServiceStatus(1, SERVICE_ENABLED, "Serviço Habilitado"),
    ServiceStatus(2, SERVICE_SUSPENDED, "Serviço Suspenso"),
)
# Due days offered to customers (HubSoft's ``configuracao/vencimento``); an invoice may still fall on any day.
DUE_DAYS = (1, 5, 10, 15, 20, 25)
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
    login: str = ""  # the PPPoE/RADIUS user name, unique among the provider's services
    technology: str = ""  # tecnologia: "FIBRA", "RADIO"... as the provider names it
    reference: str = ""  # referencia: a landmark near the installation
    # endereco_cadastral, endereco_cobranca, endereco_fiscal as given; None: the one before in this list
    # (the registration address defaults to the installation address). ``addresses`` resolves them.
    registration_address: Address | None = None
    billing_address: Address | None = None
    fiscal_address: Address | None = None
    version: int = 0  # bumped by every ``PUT cliente_servico/{id}``: the write's condition
    # Trust unlock (billing.suspension.trust): suspended by an unpaid invoice but enabled until the start of this
    # local day, when the hourly tick suspends it again; None when not unlocked in trust (or nothing is owed).
    trusted_until: date | None = None

    @property
    def addresses(self) -> dict[str, Address]:
        """The four addresses HubSoft answers, each defaulted as documented."""
        registration = self.registration_address or self.address
        return {
            "endereco_instalacao": self.address,
            "endereco_cadastral": registration,
            "endereco_cobranca": self.billing_address or registration,
            "endereco_fiscal": self.fiscal_address or registration,
        }


@dataclass(frozen=True)
class ServiceChanges:
    """``PUT cliente_servico/{id}``: None leaves a field as it is; an empty text clears it."""

    login: str | None = None
    technology: str | None = None
    reference: str | None = None
    registration_address: Address | None = None
    billing_address: Address | None = None
    fiscal_address: Address | None = None


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
    trade_name: str = ""  # nome_fantasia
    phone2: str = ""  # telefone_secundario, normalized as ``phone``
    phone3: str = ""  # telefone_terciario
    email2: str = ""  # email_secundario
    rg: str = ""
    birth_date: date | None = None
    version: int = 0  # bumped by every change of the registration (``PUT cliente/{id}``): the write's condition

    @property
    def person_type(self) -> str:
        """HubSoft's ``tipo_pessoa``: ``pf`` (CPF) or ``pj`` (CNPJ)."""
        return "pf" if len(self.document) == 11 else "pj"

    @property
    def phones(self) -> tuple[str, ...]:
        """Every phone the customer is found by (``busca=telefone``), without repeats."""
        return tuple(dict.fromkeys(p for p in (self.phone, self.phone2, self.phone3) if p))


@dataclass(frozen=True)
class CustomerChanges:
    """``PUT cliente/{id}``: None leaves a field as it is; an empty text clears an optional one."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    trade_name: str | None = None
    phone2: str | None = None
    phone3: str | None = None
    email2: str | None = None
    rg: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class NewService:
    name: str
    amount_cents: int
    address: Address
    suspension_profile_id: int | None = None
    login: str = ""
    technology: str = ""
    reference: str = ""
    registration_address: Address | None = None
    billing_address: Address | None = None
    fiscal_address: Address | None = None


@dataclass(frozen=True)
class NewCustomer:
    name: str
    document: str
    phone: str
    email: str
    services: tuple[NewService, ...] = ()
    trade_name: str = ""
    phone2: str = ""
    phone3: str = ""
    email2: str = ""
    rg: str = ""
    birth_date: date | None = None


def login_key(login: str) -> str:
    """Logins are unique without regard to case (``Maria.Silva`` and ``maria.silva`` are one)."""
    return login.strip().lower()


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
