"""``cliente`` routes: read the contract's fields, call CustomerService, shape HubSoft's answer."""
from __future__ import annotations

from datetime import tzinfo
from typing import Any

from chalicelib.customers.documents import document_kind, format_document, normalize_document
from chalicelib.customers.model import UFS, Address, Customer, NewCustomer, NewService, Service, normalize_phone
from chalicelib.customers.service import SEARCH_KEYS
from chalicelib.input_rules import digits_of
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Routes
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Clientes",
                tag_description="Clientes e seus serviços.")

MAX_SERVICES_PER_REQUEST = 20
DEFAULT_SEARCH_LIMIT = 5  # HubSoft's default for GET cliente
MAX_SEARCH_LIMIT = 100


def create(request: ApiRequest) -> Payload:
    new = _new_customer(request.fields())
    customer = request.container.customers.register(new)
    return success("Cliente cadastrado com sucesso.", cliente=render(customer, request.container.settings.zone))


def add_service(request: ApiRequest, customer_id: int) -> Payload:
    fields = request.fields()
    new = _new_service(fields)
    fields.check()
    service = request.container.customers.add_service(customer_id, new)
    return success("Serviço cadastrado com sucesso.", servico=render_service(service))


def search(request: ApiRequest) -> Payload:
    fields = request.fields()
    key = fields.choice("busca", SEARCH_KEYS, required=True)
    term = fields.text("termo_busca", required=True, max_len=150)
    limit = fields.integer("limit", minimum=1, maximum=MAX_SEARCH_LIMIT, default=DEFAULT_SEARCH_LIMIT)
    fields.check()
    customers = request.container.customers.search(key, term, limit)
    msg = "Dados consultados com sucesso." if customers else "Nenhum cliente encontrado com os parâmetros informados."
    return success(msg, clientes=[render(c, request.container.settings.zone) for c in customers])


def render(customer: Customer, zone: tzinfo) -> dict[str, Any]:
    """HubSoft's keys (``email_principal``, ``data_cadastro`` as ``AAAA-MM-DD HH:MM:SS`` in the
    provider's time, as integrators parse it) plus ours."""
    return {
        "id_cliente": customer.id,
        "codigo_cliente": customer.code,
        "nome_razaosocial": customer.name,
        "cpf_cnpj": format_document(customer.document),
        "tipo_pessoa": customer.person_type,
        "telefone_primario": customer.phone,
        "email": customer.email or None,
        "email_principal": customer.email or None,
        "data_cadastro": customer.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        "servicos": [render_service(s) for s in customer.services],
    }


def render_service(service: Service) -> dict[str, Any]:
    a = service.address
    return {
        "id_cliente_servico": service.id,
        "id_cliente": service.customer_id,
        "nome": service.name,
        "valor": service.amount_cents / 100,
        "status": service.status,
        "status_prefixo": service.status,
        "id_perfil_suspensao": service.suspension_profile_id,
        "endereco_instalacao": {
            "logradouro": a.logradouro, "numero": a.numero, "complemento": a.complemento or None,
            "bairro": a.bairro, "cidade": a.cidade, "uf": a.uf, "cep": a.cep, "completo": a.display(),
        },
    }


def _new_customer(fields: Fields) -> NewCustomer:
    name = fields.text("nome_razaosocial", required=True, max_len=150, min_len=3)
    raw_document = fields.text("cpf_cnpj", required=True, max_len=20)
    if raw_document and document_kind(raw_document) is None:
        fields.error("O campo cpf_cnpj não é um CPF ou CNPJ válido (confira os dígitos verificadores).")
    raw_phone = fields.text("telefone_primario", required=True, max_len=20)
    phone = normalize_phone(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        fields.error("O campo telefone_primario deve ser um telefone brasileiro com DDD (ex.: 11987654321).")
    email = fields.email("email")
    services = []
    for service_fields in fields.items("servicos", max_items=MAX_SERVICES_PER_REQUEST):
        services.append(_new_service(service_fields))
    fields.check()
    return NewCustomer(name=name, document=normalize_document(raw_document), phone=phone or "", email=email,
                       services=tuple(services))


def _new_service(fields: Fields) -> NewService:
    name = fields.text("nome", required=True, max_len=150)
    amount = fields.money_cents("valor", required=True)
    address_fields = fields.obj("endereco_instalacao", required=True)
    address = _address(address_fields)
    profile = fields.optional_identifier("id_perfil_suspensao")
    return NewService(name=name, amount_cents=amount, address=address, suspension_profile_id=profile)


def _address(fields: Fields) -> Address:
    logradouro = fields.text("logradouro", required=True, max_len=200)
    numero = fields.text("numero", required=True, max_len=20)
    bairro = fields.text("bairro", required=True, max_len=100)
    cidade = fields.text("cidade", required=True, max_len=100)
    uf = fields.text("uf", required=True, max_len=2).upper()
    if uf and uf not in UFS:
        fields.error(f"O campo {fields.name('uf')} deve ser a sigla de um estado brasileiro.")
    cep = digits_of(fields.text("cep", required=True, max_len=10))
    if fields.has("cep") and len(cep) != 8:
        fields.error(f"O campo {fields.name('cep')} deve ter 8 dígitos.")
    complemento = fields.text("complemento", max_len=100)
    return Address(logradouro=logradouro, numero=numero, bairro=bairro, cidade=cidade, uf=uf, cep=cep,
                   complemento=complemento)
