"""The provider's own company data (``empresa``), shown on every invoice HubSoft's finance routes answer: CNPJ
(or CPF), legal name and trade name. One record in the settings table; until the provider saves theirs, the
default below (no document, "Provedor de Internet")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.customers.documents import document_kind, normalize_document
from chalicelib.errors import ValidationError

DEFAULT_NAME = "Provedor de Internet"
MAX_NAME = 150


@dataclass(frozen=True)
class Company:
    document: str = ""  # normalized digits; empty: not set
    legal_name: str = DEFAULT_NAME
    trade_name: str = DEFAULT_NAME


DEFAULT_COMPANY = Company()


class CompanyStore(Protocol):
    def company(self) -> Company | None: ...
    def save_company(self, company: Company) -> None: ...


class CompanySettings:
    def __init__(self, store: CompanyStore) -> None:
        self._store = store

    def get(self) -> Company:
        return self._store.company() or DEFAULT_COMPANY

    def save(self, document: str, legal_name: str, trade_name: str) -> Company:
        errors = []
        if document and document_kind(document) is None:
            errors.append("O campo documento não é um CNPJ ou CPF válido (confira os dígitos verificadores).")
        for field, value in (("nome_razaosocial", legal_name), ("nome_fantasia", trade_name)):
            if not value.strip() or len(value) > MAX_NAME:
                errors.append(f"O campo {field} deve ter de 1 a {MAX_NAME} caracteres.")
        if errors:
            raise ValidationError(errors)
        company = Company(normalize_document(document) if document else "", legal_name.strip(), trade_name.strip())
        self._store.save_company(company)
        return company
