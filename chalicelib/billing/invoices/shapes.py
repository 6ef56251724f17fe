"""Invoices in HubSoft's answer shapes: ``cliente/financeiro`` (dates dd/mm/aaaa, ``valor`` a number),
``financeiro/fatura`` by period (dates aaaa-mm-dd, ``valor`` a string with two decimals) and the ``recibo`` of
``financeiro/fatura/liquidar``. What we do not hold (bank boleto internals, the bank account of the charge, a
plan number, coordinates, cash registers) is null, under the same keys; docs/api.md lists them."""
from __future__ import annotations

from datetime import tzinfo
from typing import Any

from chalicelib.billing.company import Company
from chalicelib.billing.invoices.listing import InvoiceView
from chalicelib.billing.invoices.service import PAID, Invoice
from chalicelib.clock import local
from chalicelib.customers.documents import format_document
from chalicelib.customers.model import Address, Customer, Service

# HubSoft's answers on cliente/financeiro and cliente/atendimento say "suscess" (sic); its clients test it.
SUSCESS = "suscess"
DAY_BR = "%d/%m/%Y"
DAY = "%Y-%m-%d"
MOMENT = "%Y-%m-%d %H:%M:%S"
STATE_NAMES = {
    "AC": "Acre", "AL": "Alagoas", "AM": "Amazonas", "AP": "Amapá", "BA": "Bahia", "CE": "Ceará",
    "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão", "MG": "Minas Gerais",
    "MS": "Mato Grosso do Sul", "MT": "Mato Grosso", "PA": "Pará", "PB": "Paraíba", "PE": "Pernambuco",
    "PI": "Piauí", "PR": "Paraná", "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte", "RO": "Rondônia",
    "RR": "Roraima", "RS": "Rio Grande do Sul", "SC": "Santa Catarina", "SE": "Sergipe", "SP": "São Paulo",
    "TO": "Tocantins",
}
SERVICE_STATUS_NAMES = {"servico_habilitado": "Serviço Habilitado", "servico_suspenso": "Serviço Suspenso"}


def company_shape(company: Company) -> dict[str, Any]:
    return {"documento": format_document(company.document) if company.document else "",
            "nome_razaosocial": company.legal_name, "nome_fantasia": company.trade_name}


def payment_shape(invoice: Invoice) -> dict[str, Any]:
    """The payment data and charge kind, in every invoice shape (ours and HubSoft's)."""
    data = invoice.payment
    return {
        "nosso_numero": data.bank_number or None,
        "linha_digitavel": data.digitable_line or None,
        "codigo_barras": data.barcode or None,
        "pix_copia_cola": data.pix_code or None,
        "link": data.link or None,
        "tipo_cobranca": invoice.charge_kind,
        "cartao": invoice.paid_card or None,
    }


def _detail(invoice: Invoice, service: Service) -> list[dict[str, Any]]:
    return [{"descricao": invoice.description or f"Mensalidade {service.name}", "valor": invoice.amount_cents / 100}]


def _address(address: Address, coordinates: bool = True) -> dict[str, Any]:
    """``cliente/financeiro``'s form (with coordinates: a missing complement is ""), or ``financeiro/fatura``'s
    (without: null), as each example has it."""
    shape: dict[str, Any] = {
        "completo": address.display(), "endereco": address.logradouro, "numero": address.numero,
        "complemento": address.complemento or ("" if coordinates else None), "referencia": None,
        "bairro": address.bairro,
        "cep": address.cep, "estado": STATE_NAMES.get(address.uf, address.uf), "uf": address.uf,
        "cidade": address.cidade,
    }
    if coordinates:
        shape["coordenadas"] = {"latitude": None, "longitude": None}
    return shape


def statement_invoice(view: InvoiceView, company: Company, zone: tzinfo) -> dict[str, Any]:
    """One invoice of ``cliente/financeiro``."""
    invoice, customer, service = view.invoice, view.customer, view.service
    address = _address(service.address)
    return {
        "id_fatura": invoice.id,
        **payment_shape(invoice),
        "nosso_numero_dv": None, "agencia_codigo_beneficiario": None, "beneficiario": None,
        "numero_documento": None, "especie": None, "especie_dinheiro": "R$", "aceite": None,
        "local_pagamento": None, "carteira": None,
        "valor": invoice.amount_cents / 100,
        "quitado": invoice.status == PAID,
        "status": invoice.status,
        "data_vencimento": invoice.due_date.strftime(DAY_BR),
        "data_cadastro": local(invoice.created_at, zone).strftime(DAY_BR),
        "data_pagamento": local(invoice.paid_at, zone).strftime(DAY_BR) if invoice.paid_at else None,
        "data_documento": None, "data_processamento": None,
        "empresa": company_shape(company),
        "detalhamento": _detail(invoice, service),
        "cliente": {
            "codigo_cliente": customer.code, "nome_razaosocial": customer.name,
            "cpf_cnpj": format_document(customer.document),
            "servico": {
                "id_cliente_servico": service.id, "numero_plano": None, "nome": service.name,
                "valor": service.amount_cents / 100, "status": SERVICE_STATUS_NAMES.get(service.status,
                                                                                        service.status),
                "status_prefixo": service.status,
                # We keep one address per service (the installation's): the other three repeat it.
                "endereco_cadastral": address, "endereco_instalacao": address, "endereco_fiscal": address,
                "endereco_cobranca": address,
            },
        },
    }


def _person(customer: Customer) -> str:
    return "pf" if len(customer.document) == 11 else "pj"


def period_invoice(view: InvoiceView, company: Company, zone: tzinfo) -> dict[str, Any]:
    """One invoice of ``financeiro/fatura`` listed by period (HubSoft's shape, plus our ``status``,
    ``quitado`` and ``cartao``)."""
    invoice, customer, service = view.invoice, view.customer, view.service
    payment = payment_shape(invoice)
    paid_on = local(invoice.paid_at, zone).strftime(DAY) if invoice.paid_at else None
    created = local(invoice.created_at, zone).strftime(MOMENT)
    receipts = []
    if invoice.status == PAID and invoice.paid_cents is not None:
        receipts.append({
            "id_recibo": invoice.id, "numero_recibo": str(invoice.id),
            "caixa_financeiro": {"id_caixa_financeiro": None, "descricao": invoice.payment_method or None},
            "valor": invoice.paid_cents / 100, "data_pagamento": paid_on, "data_cadastro": created,
            "cobrancas": [{"id_cobranca": invoice.id, "valor": invoice.paid_cents / 100}],
        })
    return {
        "id_fatura": invoice.id, "id_carne": None, "id_cliente_servico": service.id,
        "nosso_numero": payment["nosso_numero"],
        "data_vencimento": invoice.due_date.strftime(DAY), "data_pagamento": paid_on, "data_cadastro": created,
        "data_credito": paid_on,
        "valor": f"{invoice.amount_cents / 100:.2f}",
        "valor_pago": invoice.paid_cents / 100 if invoice.paid_cents is not None else None,
        "valor_juros_pago": None, "valor_desconto": 0,
        "linha_digitavel": payment["linha_digitavel"], "codigo_barras": payment["codigo_barras"],
        "tipo_cobranca": payment["tipo_cobranca"], "link": payment["link"],
        "pix_copia_e_cola": payment["pix_copia_cola"],
        "cartao": payment["cartao"], "status": invoice.status, "quitado": invoice.status == PAID,
        "empresa": company_shape(company),
        "cliente": {
            "id_cliente": customer.id, "codigo_cliente": customer.code, "nome_razaosocial": customer.name,
            "nome_fantasia": None, "tipo_pessoa": _person(customer), "cpf_cnpj": format_document(customer.document),
            "data_nascimento": None, "telefone_primario": customer.phone or None, "telefone_secundario": None,
            "telefone_terciario": None, "email_principal": customer.email or None, "email_secundario": None,
            "data_cadastro": local(customer.created_at, zone).strftime(MOMENT), "ativo": True,
        },
        "servico": {
            "numero_plano": None, "descricao": service.name,
            "servico_status": SERVICE_STATUS_NAMES.get(service.status, service.status),
            "endereco_instalacao": _address(service.address, coordinates=False),
        },
        "forma_cobranca": None,
        "cobrancas": [{"id_cobranca": invoice.id, **_detail(invoice, service)[0]}],
        "recibos": receipts,
    }


def receipt(view: InvoiceView, zone: tzinfo) -> dict[str, Any]:
    """``recibo`` of ``financeiro/fatura/liquidar``: the settled invoice is its own receipt (same id)."""
    invoice, customer = view.invoice, view.customer
    paid_on = local(invoice.paid_at, zone).strftime(DAY) if invoice.paid_at else None
    return {
        "id_recibo": invoice.id, "numero_recibo": str(invoice.id), "data_pagamento": paid_on,
        "data_credito": paid_on, "valor_pago": (invoice.paid_cents or 0) / 100, "tarifa": 0.0,
        "cliente": {"codigo_cliente": customer.code, "nome_razaosocial": customer.name,
                    "cpf_cnpj": format_document(customer.document)},
    }
