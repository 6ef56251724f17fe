"""``cliente`` routes: read the contract's fields, call CustomerService, shape HubSoft's answer."""
from __future__ import annotations

from datetime import tzinfo
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.customers.documents import document_kind, format_document, normalize_document
from chalicelib.customers.model import UFS, Address, Customer, NewCustomer, NewService, Service, normalize_phone
from chalicelib.customers.service import SEARCH_KEYS
from chalicelib.input_rules import digits_of
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import Choice, Email, Id, Integer, Items, Money, Obj, Text, list_of, object_of, read, ref
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Clientes", tag_description="Clientes e seus serviços.")
routes.schemas({
    "EnderecoInstalacao": object_of({
        "logradouro": {"type": "string"},
        "numero": {"type": "string"},
        "complemento": {"type": ["string", "null"]},
        "bairro": {"type": "string"},
        "cidade": {"type": "string"},
        "uf": {"type": "string", "enum": list(UFS)},
        "cep": {"type": "string", "pattern": "^[0-9]{8}$"},
        "completo": {"type": "string", "description": "Endereço numa linha, como o HubSoft o mostra.",
                     "examples": ["RUA X, 10 - CENTRO, CAMPINAS/SP | CEP: 13010-000"]},
    }),
    "Servico": object_of({
        "id_cliente_servico": {"type": "integer"},
        "id_cliente": {"type": "integer"},
        "nome": {"type": "string"},
        "valor": {"type": "number", "description": "Mensalidade em reais.", "examples": [99.9]},
        "status": {"type": "string", "examples": ["servico_habilitado", "servico_suspenso"]},
        "id_perfil_suspensao": {"type": ["integer", "null"],
                                "description": "Nulo: o serviço segue o perfil de suspensão padrão."},
        "endereco_instalacao": ref("EnderecoInstalacao"),
    }, optional={
        "status_prefixo": {"type": "string", "description": "O mesmo `status`, com o nome do HubSoft."},
        # -- trust unlock (billing.suspension.trust)
        "desbloqueio_confianca": {"type": "boolean",
                                  "description": "Habilitado por desbloqueio em confiança, com fatura em aberto que o "
                                                 "suspendeu."},
        "desbloqueio_confianca_ate": {"type": ["string", "null"], "examples": ["27/12/2026"],
                                      "description": "dd/mm/aaaa: o dia em que o tick o suspende de novo se nada "
                                                     "for pago."},
    }),
    "PerfilSuspensaoServico": object_of({
        "id_cliente_servico": {"type": "integer"},
        "id_cliente": {"type": "integer"},
        "status": {"type": "string", "examples": ["servico_habilitado", "servico_suspenso"],
                   "description": "Não muda com a troca de perfil: uma suspensão dura até a fatura que a causou ser "
                                  "paga ou cancelada."},
        "id_perfil_suspensao": {"type": "integer"},
        "descricao_perfil_suspensao": {"type": "string"},
    }),
    "Cliente": object_of({
        "id_cliente": {"type": "integer"},
        "codigo_cliente": {"type": "integer"},
        "nome_razaosocial": {"type": "string"},
        "cpf_cnpj": {"type": "string", "description": "Formatado (000.000.000-00 ou 00.000.000/0000-00)."},
        "tipo_pessoa": {"type": "string", "enum": ["pessoa_fisica", "pessoa_juridica"]},
        "telefone_primario": {"type": "string", "description": "Somente dígitos, com DDD."},
        "email": {"type": ["string", "null"]},
        "data_cadastro": {"type": "string", "examples": ["2026-12-10 10:00:00"],
                          "description": "AAAA-MM-DD HH:MM:SS no fuso do provedor, como no HubSoft."},
        "servicos": list_of("Servico"),
    }, optional={
        "email_principal": {"type": ["string", "null"], "description": "O mesmo `email`, com o nome do HubSoft."},
    }),
})

MAX_SERVICES_PER_REQUEST = 20
DEFAULT_SEARCH_LIMIT = 5  # HubSoft's default for GET cliente
MAX_SEARCH_LIMIT = 100

# -- the installation address (``endereco_instalacao`` of a service)
STREET = Text("logradouro", "Rua, avenida...", required=True, max_len=200)
NUMBER = Text("numero", "Número.", required=True, max_len=20)
COMPLEMENT = Text("complemento", "Complemento (opcional).", max_len=100)
DISTRICT = Text("bairro", "Bairro.", required=True, max_len=100)
CITY = Text("cidade", "Cidade.", required=True, max_len=100)
# Read in any case and upper-cased before the check against UFS.
STATE = Text("uf", "Sigla do estado (maiúsculas ou não).", required=True, max_len=2, extra={"enum": list(UFS)})
POSTAL_CODE = Text("cep", "CEP com 8 dígitos (pontuação ignorada).", required=True, max_len=10)
# -- a service (alone, or in the customer's ``servicos``)
SERVICE_NAME = Text("nome", "Nome do plano/serviço.", required=True, max_len=150)
AMOUNT = Money("valor", required=True)
ADDRESS = Obj("endereco_instalacao", required=True,
              of=(STREET, NUMBER, COMPLEMENT, DISTRICT, CITY, STATE, POSTAL_CODE))
SUSPENSION_PROFILE = Id("id_perfil_suspensao", "Perfil de suspensão (opcional).")
SERVICE_FIELDS = (SERVICE_NAME, AMOUNT, ADDRESS, SUSPENSION_PROFILE)
# -- a customer
NAME = Text("nome_razaosocial", "Nome ou razão social.", required=True, max_len=150, min_len=3)
DOCUMENT = Text("cpf_cnpj", "CPF ou CNPJ, com ou sem pontuação; os dígitos verificadores são conferidos.",
                required=True, max_len=20)
PHONE = Text("telefone_primario", "Telefone brasileiro com DDD (ex.: 11987654321).", required=True, max_len=20)
EMAIL = Email("email", "E-mail (opcional).")
SERVICES = Items("servicos", max_items=MAX_SERVICES_PER_REQUEST, of=SERVICE_FIELDS)
# -- the search
SEARCH_KEY = Choice("busca", "Campo pelo qual buscar.", required=True, options=SEARCH_KEYS)
SEARCH_TERM = Text("termo_busca", "Valor buscado (nome: busca por palavras, sem acentos nem maiúsculas).",
                   required=True, max_len=150)
SEARCH_LIMIT = Integer("limit", "Máximo de clientes na resposta.", minimum=1, maximum=MAX_SEARCH_LIMIT,
                       default=DEFAULT_SEARCH_LIMIT)

CUSTOMER_ID = PathId("id_cliente", "ID do cliente (`id_cliente`).")
SERVICE_ID = PathId("id_cliente_servico", "ID do serviço do cliente (`id_cliente_servico`).")
CHOSEN_PROFILE = Id("id_perfil_suspensao", "Perfil de suspensão cadastrado (o embutido, 0, não é escolhido: serviços "
                                           "sem perfil seguem o padrão).", required=True)


@routes.post("/cliente", Permission.CADASTRAR_CLIENTES, summary="Cadastrar cliente",
             description="Cadastra o cliente e, opcionalmente, seus serviços com endereço de instalação. "
                         "Em formulário, listas e objetos usam chaves no estilo PHP "
                         "(`servicos[0][endereco_instalacao][cidade]`).",
             body=Body("NovoCliente", (NAME, DOCUMENT, PHONE, EMAIL, SERVICES)), result=("cliente", ref("Cliente")))
def create(request: ApiRequest) -> Payload:
    new = _new_customer(request.fields())
    customer = request.container.customers.register(new)
    return success("Cliente cadastrado com sucesso.", cliente=render(customer, request.container.settings.zone))


@routes.get("/cliente", Permission.CONSULTAR_CLIENTES, summary="Buscar clientes",
            description="Busca como o HubSoft: por CPF/CNPJ, código, ID do serviço, nome ou telefone. "
                        "Sem resultados, responde sucesso com a lista vazia.",
            query=(SEARCH_KEY, SEARCH_TERM, SEARCH_LIMIT), result=("clientes", list_of("Cliente")))
def search(request: ApiRequest) -> Payload:
    fields = request.fields()
    key, term, limit = read(fields, SEARCH_KEY, SEARCH_TERM, SEARCH_LIMIT)
    fields.check()
    customers = request.container.customers.search(key, term, limit)
    msg = "Dados consultados com sucesso." if customers else "Nenhum cliente encontrado com os parâmetros informados."
    return success(msg, clientes=[render(c, request.container.settings.zone) for c in customers])


@routes.post("/cliente/{id_cliente}/servico", Permission.CADASTRAR_CLIENTES, summary="Adicionar serviço ao cliente",
             path_params=(CUSTOMER_ID,), body=Body("NovoServico", SERVICE_FIELDS), result=("servico", ref("Servico")))
def add_service(request: ApiRequest, customer_id: int) -> Payload:
    fields = request.fields()
    new = _new_service(fields)
    fields.check()
    service = request.container.customers.add_service(customer_id, new)
    return success("Serviço cadastrado com sucesso.", servico=render_service(service))


@routes.put("/cliente_servico/{id_cliente_servico}/perfil_suspensao", Permission.CADASTRAR_CLIENTES,
            summary="Trocar o perfil de suspensão do serviço",
            description="O serviço e a contagem de uso dos dois perfis mudam numa só gravação, condicionada à "
                        "existência do perfil. O novo perfil vale para as faturas cadastradas depois; as faturas em "
                        "aberto mantêm os dias de aviso e de suspensão que receberam ao ser cadastradas, e um serviço "
                        "suspenso continua suspenso até a fatura que o suspendeu ser paga ou cancelada.",
            path_params=(SERVICE_ID,), body=Body("EscolhaPerfilSuspensao", (CHOSEN_PROFILE,)),
            result=("servico", ref("PerfilSuspensaoServico")))
def change_suspension_profile(request: ApiRequest, service_id: int) -> Payload:
    profile_id = request.read_one(CHOSEN_PROFILE)
    service, description = request.container.customers.change_profile(service_id, profile_id)
    return success("Perfil de suspensão do serviço alterado com sucesso.", servico={
        "id_cliente_servico": service.id,
        "id_cliente": service.customer_id,
        "status": service.status,
        "id_perfil_suspensao": service.suspension_profile_id,
        "descricao_perfil_suspensao": description,
    })


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
        # -- trust unlock (billing.suspension.trust): status is servico_habilitado meanwhile
        "desbloqueio_confianca": service.trusted_until is not None,
        "desbloqueio_confianca_ate": service.trusted_until.strftime("%d/%m/%Y") if service.trusted_until else None,
        "endereco_instalacao": {
            "logradouro": a.logradouro, "numero": a.numero, "complemento": a.complemento or None,
            "bairro": a.bairro, "cidade": a.cidade, "uf": a.uf, "cep": a.cep, "completo": a.display(),
        },
    }


def _new_customer(fields: Fields) -> NewCustomer:
    name = NAME.read(fields)
    raw_document = DOCUMENT.read(fields)
    if raw_document and document_kind(raw_document) is None:
        fields.error("O campo cpf_cnpj não é um CPF ou CNPJ válido (confira os dígitos verificadores).")
    raw_phone = PHONE.read(fields)
    phone = normalize_phone(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        fields.error("O campo telefone_primario deve ser um telefone brasileiro com DDD (ex.: 11987654321).")
    email = EMAIL.read(fields)
    services = []
    for service_fields in SERVICES.read(fields):
        services.append(_new_service(service_fields))
    fields.check()
    return NewCustomer(name=name, document=normalize_document(raw_document), phone=phone or "", email=email,
                       services=tuple(services))


def _new_service(fields: Fields) -> NewService:
    name = SERVICE_NAME.read(fields)
    amount = AMOUNT.read(fields)
    address = _address(ADDRESS.read(fields))
    profile = SUSPENSION_PROFILE.read_optional(fields)
    return NewService(name=name, amount_cents=amount, address=address, suspension_profile_id=profile)


def _address(fields: Fields) -> Address:
    logradouro, numero, bairro, cidade = read(fields, STREET, NUMBER, DISTRICT, CITY)
    uf = STATE.read(fields).upper()
    if uf and uf not in UFS:
        fields.error(f"O campo {fields.name('uf')} deve ser a sigla de um estado brasileiro.")
    cep = digits_of(POSTAL_CODE.read(fields))
    if fields.has("cep") and len(cep) != 8:
        fields.error(f"O campo {fields.name('cep')} deve ter 8 dígitos.")
    complemento = COMPLEMENT.read(fields)
    return Address(logradouro=logradouro, numero=numero, bairro=bairro, cidade=cidade, uf=uf, cep=cep,
                   complemento=complemento)
