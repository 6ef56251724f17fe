"""``cliente`` routes: read the contract's fields, call CustomerService, shape HubSoft's answer."""
from __future__ import annotations

import re
from datetime import date, tzinfo
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.customers.documents import document_kind, format_document, normalize_document
from chalicelib.customers.model import (
    DUE_DAYS,
    SERVICE_STATUSES,
    UFS,
    Address,
    Customer,
    CustomerChanges,
    NewCustomer,
    NewService,
    Service,
    ServiceChanges,
    normalize_phone,
)
from chalicelib.customers.service import NETWORK_KEYS, SEARCH_KEYS
from chalicelib.input_rules import digits_of
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import Choice, Email, Id, Integer, Items, Money, Obj, Text, list_of, object_of, read, ref
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Clientes", tag_description="Clientes e seus serviços.")
_NULL_NETWORK = {"type": "null", "description": "Sempre nulo: não guardamos dados de rede (conexões, IPs, "
                                                "equipamentos)."}
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
    }, optional={
        "endereco": {"type": "string", "description": "O mesmo `logradouro`, com o nome do HubSoft."},
        "estado": {"type": "string", "examples": ["São Paulo"]},
        "referencia": {"type": ["string", "null"]},
        "coordenadas": object_of(optional={"latitude": {"type": "null"}, "longitude": {"type": "null"}},
                                 description="Sempre nulas: não guardamos coordenadas."),
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
        "numero_plano": {"type": "integer", "description": "O mesmo `id_cliente_servico`."},
        "login": {"type": ["string", "null"], "description": "Usuário PPPoE/RADIUS; único entre os serviços."},
        "tecnologia": {"type": ["string", "null"]},
        "referencia": {"type": ["string", "null"]},
        "endereco_cadastral": {**ref("EnderecoInstalacao"),
                               "description": "Sem um próprio: o de instalação."},
        "endereco_cobranca": {**ref("EnderecoInstalacao"), "description": "Sem um próprio: o cadastral."},
        "endereco_fiscal": {**ref("EnderecoInstalacao"), "description": "Sem um próprio: o cadastral."},
        "senha": {"type": "null", "description": "Sempre nula: não guardamos senhas de conexão."},
        "ultima_conexao": _NULL_NETWORK,
        **{key: _NULL_NETWORK for key in ("ipv4", "ipv6", "mac_addr", "phy_addr", "interface",
                                          "interface_roteamento", "equipamento_conexao",
                                          "equipamento_roteamento")},
        "pacotes": {"type": "array", "maxItems": 0, "description": "Sempre vazia: não há pacotes adicionais."},
        "senhas": {"type": "array", "maxItems": 0, "description": "Sempre vazia: não guardamos senhas."},
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
        "tipo_pessoa": {"type": "string", "enum": ["pf", "pj"],
                        "description": "Como o HubSoft: `pf` (CPF) ou `pj` (CNPJ)."},
        "telefone_primario": {"type": "string", "description": "Somente dígitos, com DDD."},
        "email": {"type": ["string", "null"]},
        "data_cadastro": {"type": "string", "examples": ["2026-12-10 10:00:00"],
                          "description": "AAAA-MM-DD HH:MM:SS no fuso do provedor, como no HubSoft."},
        "servicos": list_of("Servico"),
    }, optional={
        "email_principal": {"type": ["string", "null"], "description": "O mesmo `email`, com o nome do HubSoft."},
        "nome_fantasia": {"type": ["string", "null"]},
        "telefone_secundario": {"type": ["string", "null"]},
        "telefone_terciario": {"type": ["string", "null"]},
        "email_secundario": {"type": ["string", "null"]},
        "rg": {"type": ["string", "null"]},
        "rg_emissao": {"type": "null"},
        "inscricao_municipal": {"type": "null"},
        "inscricao_estadual": {"type": "null"},
        "data_nascimento": {"type": ["string", "null"], "examples": ["1990-05-20"], "description": "AAAA-MM-DD."},
        "data_nascmento": {"type": ["string", "null"], "examples": ["1990-05-20 00:00:00"],
                           "description": "A mesma data com o nome e a forma do HubSoft (sic)."},
        "alerta": {"type": "boolean", "const": False},
        "alerta_mensagens": {"type": "array", "maxItems": 0},
    }),
    "StatusServico": object_of({
        "id_servico_status": {"type": "integer"},
        "descricao": {"type": "string"},
        "prefixo": {"type": "string", "enum": [s.prefix for s in SERVICE_STATUSES]},
    }),
    "Vencimento": object_of({
        "id_vencimento": {"type": "integer", "description": "O próprio dia."},
        "dia_vencimento": {"type": "integer", "enum": list(DUE_DAYS)},
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
LOGIN = Text("login", "Usuário PPPoE/RADIUS (letras, dígitos e . _ - @); único entre os serviços, sem distinguir "
                      "maiúsculas.", max_len=64, pattern=r"^[A-Za-z0-9._@-]+$")
TECHNOLOGY = Text("tecnologia", "Tecnologia do acesso, como o provedor a chama (ex.: FIBRA).", max_len=50)
REFERENCE = Text("referencia", "Ponto de referência.", max_len=200)
ADDRESS_FIELDS = (STREET, NUMBER, COMPLEMENT, DISTRICT, CITY, STATE, POSTAL_CODE)
REGISTRATION_ADDRESS = Obj("endereco_cadastral", "Sem ele: o de instalação.", of=ADDRESS_FIELDS)
BILLING_ADDRESS = Obj("endereco_cobranca", "Sem ele: o cadastral.", of=ADDRESS_FIELDS)
FISCAL_ADDRESS = Obj("endereco_fiscal", "Sem ele: o cadastral.", of=ADDRESS_FIELDS)
SERVICE_DETAILS = (LOGIN, TECHNOLOGY, REFERENCE, REGISTRATION_ADDRESS, BILLING_ADDRESS, FISCAL_ADDRESS)
SERVICE_FIELDS = (SERVICE_NAME, AMOUNT, ADDRESS, SUSPENSION_PROFILE, *SERVICE_DETAILS)
# -- a customer
NAME = Text("nome_razaosocial", "Nome ou razão social.", required=True, max_len=150, min_len=3)
DOCUMENT = Text("cpf_cnpj", "CPF ou CNPJ, com ou sem pontuação; os dígitos verificadores são conferidos.",
                required=True, max_len=20)
PHONE = Text("telefone_primario", "Telefone brasileiro com DDD (ex.: 11987654321).", required=True, max_len=20)
EMAIL = Email("email", "E-mail (opcional).")
SERVICES = Items("servicos", max_items=MAX_SERVICES_PER_REQUEST, of=SERVICE_FIELDS)
TRADE_NAME = Text("nome_fantasia", "Nome fantasia.", max_len=150)
PHONE2 = Text("telefone_secundario", "Outro telefone com DDD.", max_len=20)
PHONE3 = Text("telefone_terciario", "Mais um telefone com DDD.", max_len=20)
EMAIL2 = Email("email_secundario", "Outro e-mail.")
RG = Text("rg", "RG (documento de identidade).", max_len=20)
BIRTH_DATE = Text("data_nascimento", "AAAA-MM-DD ou DD/MM/AAAA.", max_len=10)
CUSTOMER_DETAILS = (TRADE_NAME, PHONE2, PHONE3, EMAIL2, RG, BIRTH_DATE)
# -- the change of the registration (each optional: what is not sent stays; an empty optional text clears it)
CHANGED_NAME = Text("nome_razaosocial", "Nome ou razão social.", max_len=150, min_len=3)
CHANGED_PHONE = Text("telefone_primario", "Telefone brasileiro com DDD.", max_len=20)
# -- the search
SEARCH_KEY = Choice("busca", "Campo pelo qual buscar (`nome` é o mesmo que `nome_razaosocial`, `login` o mesmo que "
                             f"`login_radius`; {' e '.join(NETWORK_KEYS)} são recusados: não guardamos dados de "
                             "rede).", required=True, options=(*SEARCH_KEYS, *NETWORK_KEYS))
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
             body=Body("NovoCliente", (NAME, DOCUMENT, PHONE, EMAIL, *CUSTOMER_DETAILS, SERVICES)),
             result=("cliente", ref("Cliente")))
def create(request: ApiRequest) -> Payload:
    new = _new_customer(request.fields())
    customer = request.container.customers.register(new)
    return success("Cliente cadastrado com sucesso.", cliente=render(customer, request.container.settings.zone))


@routes.get("/cliente", Permission.CONSULTAR_CLIENTES, summary="Buscar clientes",
            description="Busca como o HubSoft: por CPF/CNPJ, código, ID do serviço, nome, nome fantasia, "
                        "telefone (qualquer dos três) ou login. Sem resultados, responde sucesso com a lista vazia.",
            query=(SEARCH_KEY, SEARCH_TERM, SEARCH_LIMIT), result=("clientes", list_of("Cliente")))
def search(request: ApiRequest) -> Payload:
    fields = request.fields()
    key, term, limit = read(fields, SEARCH_KEY, SEARCH_TERM, SEARCH_LIMIT)
    fields.check()
    customers = request.container.customers.search(key, term, limit)
    msg = "Dados consultados com sucesso." if customers else "Nenhum cliente encontrado com os parâmetros informados."
    return success(msg, clientes=[render(c, request.container.settings.zone) for c in customers])


@routes.put("/cliente/{id_cliente}", Permission.CADASTRAR_CLIENTES, summary="Alterar o cadastro do cliente",
            description="Muda os campos enviados; os outros ficam. Um campo opcional enviado vazio é apagado. "
                        "CPF/CNPJ e código não mudam. Uma gravação condicionada à versão lida: duas alterações "
                        "simultâneas nunca se sobrescrevem (a segunda é recusada).",
            path_params=(CUSTOMER_ID,),
            body=Body("AlteracaoCliente", (CHANGED_NAME, CHANGED_PHONE, EMAIL, *CUSTOMER_DETAILS)),
            result=("cliente", ref("Cliente")))
def update(request: ApiRequest, customer_id: int) -> Payload:
    changes = _customer_changes(request.fields())
    customer = request.container.customers.update(customer_id, changes)
    return success("Cliente alterado com sucesso.", cliente=render(customer, request.container.settings.zone))


@routes.put("/cliente_servico/{id_cliente_servico}", Permission.CADASTRAR_CLIENTES,
            summary="Alterar login, tecnologia, referência e endereços do serviço",
            description="Muda os campos enviados; os outros ficam. Texto enviado vazio apaga. Um login já usado por "
                        "outro serviço é recusado, também quando dois pedidos disputam o mesmo login.",
            path_params=(SERVICE_ID,), body=Body("AlteracaoServico", SERVICE_DETAILS),
            result=("servico", ref("Servico")))
def update_service(request: ApiRequest, service_id: int) -> Payload:
    changes = _service_changes(request.fields())
    service = request.container.customers.update_service(service_id, changes)
    return success("Serviço alterado com sucesso.", servico=render_service(service))


@routes.get("/configuracao/servico_status", Permission.CONSULTAR_CLIENTES, summary="Status de serviço",
            description="Os status que os serviços assumem aqui, no formato do HubSoft.",
            result=("servico_status", list_of("StatusServico")))
def service_statuses(request: ApiRequest) -> Payload:
    return success("Dados consultados com sucesso.", servico_status=[
        {"id_servico_status": s.id, "descricao": s.description, "prefixo": s.prefix} for s in SERVICE_STATUSES])


@routes.get("/configuracao/vencimento", Permission.CONSULTAR_CLIENTES, summary="Dias de vencimento",
            description=f"Os dias de vencimento oferecidos ({', '.join(map(str, DUE_DAYS))}); o ID é o próprio dia.",
            result=("vencimentos", list_of("Vencimento")))
def due_days(request: ApiRequest) -> Payload:
    return success("Dados consultados com sucesso.", vencimentos=[
        {"id_vencimento": day, "dia_vencimento": day} for day in DUE_DAYS])


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
    """Every key of HubSoft's ``GET cliente`` example (``email_principal``, ``data_cadastro`` as
    ``AAAA-MM-DD HH:MM:SS`` in the provider's time, ``data_nascmento`` with its spelling) plus ours. What we
    never hold (state registrations, the RG's issue date, alerts) answers null, false or an empty list."""
    birth = customer.birth_date
    return {
        "id_cliente": customer.id,
        "codigo_cliente": customer.code,
        "nome_razaosocial": customer.name,
        "nome_fantasia": customer.trade_name or None,
        "cpf_cnpj": format_document(customer.document),
        "tipo_pessoa": customer.person_type,
        "telefone_primario": customer.phone,
        "telefone_secundario": customer.phone2 or None,
        "telefone_terciario": customer.phone3 or None,
        "email": customer.email or None,
        "email_principal": customer.email or None,
        "email_secundario": customer.email2 or None,
        "rg": customer.rg or None,
        "rg_emissao": None,
        "inscricao_municipal": None,
        "inscricao_estadual": None,
        "data_cadastro": customer.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        "data_nascimento": birth.isoformat() if birth else None,
        "data_nascmento": f"{birth.isoformat()} 00:00:00" if birth else None,
        "alerta": False,
        "alerta_mensagens": [],
        "servicos": [render_service(s) for s in customer.services],
    }


def render_service(service: Service) -> dict[str, Any]:
    """HubSoft's service keys: ours, its four addresses (defaulted), and null or empty for the network data,
    connection passwords and extra packages we never hold."""
    return {
        "id_cliente_servico": service.id,
        "id_cliente": service.customer_id,
        "numero_plano": service.id,
        "nome": service.name,
        "valor": service.amount_cents / 100,
        "status": service.status,
        "status_prefixo": service.status,
        "id_perfil_suspensao": service.suspension_profile_id,
        "tecnologia": service.technology or None,
        "login": service.login or None,
        "senha": None,
        "referencia": service.reference or None,
        "ultima_conexao": None,
        **dict.fromkeys(("ipv4", "ipv6", "mac_addr", "phy_addr", "interface", "interface_roteamento",
                         "equipamento_conexao", "equipamento_roteamento")),
        "pacotes": [],
        "senhas": [],
        # -- trust unlock (billing.suspension.trust): status is servico_habilitado meanwhile
        "desbloqueio_confianca": service.trusted_until is not None,
        "desbloqueio_confianca_ate": service.trusted_until.strftime("%d/%m/%Y") if service.trusted_until else None,
        **{key: render_address(address, service.reference) for key, address in service.addresses.items()},
    }


def render_address(a: Address, reference: str = "") -> dict[str, Any]:
    return {
        "logradouro": a.logradouro, "endereco": a.logradouro, "numero": a.numero, "complemento": a.complemento or None,
        "referencia": reference or None, "bairro": a.bairro, "cidade": a.cidade, "uf": a.uf,
        "estado": a.uf, "cep": a.cep, "completo": a.display(),
        "coordenadas": {"latitude": None, "longitude": None},
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
    details = _customer_details(fields)
    services = []
    for service_fields in SERVICES.read(fields):
        services.append(_new_service(service_fields))
    logins = [s.login.lower() for s in services if s.login]
    if len(logins) != len(set(logins)):
        fields.error("Dois serviços do pedido têm o mesmo login.")
    fields.check()
    return NewCustomer(name=name, document=normalize_document(raw_document), phone=phone or "", email=email,
                       services=tuple(services), trade_name=details.trade_name or "", phone2=details.phone2 or "",
                       phone3=details.phone3 or "", email2=details.email2 or "", rg=details.rg or "",
                       birth_date=details.birth_date)


def _customer_details(fields: Fields) -> CustomerChanges:
    """The optional registration fields sent (None: not sent; "": sent empty, to clear)."""
    phones = {}
    for field in (PHONE2, PHONE3):
        raw = field.read(fields) if fields.sent(field.name) else None
        phones[field.name] = _phone(fields, field.name, raw)
    return CustomerChanges(
        trade_name=TRADE_NAME.read(fields) if fields.sent(TRADE_NAME.name) else None,
        phone2=phones[PHONE2.name], phone3=phones[PHONE3.name],
        email2=EMAIL2.read(fields) if fields.sent(EMAIL2.name) else None,
        rg=RG.read(fields) if fields.sent(RG.name) else None,
        birth_date=_birth_date(fields),
    )


def _customer_changes(fields: Fields) -> CustomerChanges:
    name = CHANGED_NAME.read_changed(fields)
    raw_phone = CHANGED_PHONE.read_changed(fields)
    phone = _phone(fields, CHANGED_PHONE.name, raw_phone)
    email = EMAIL.read(fields) if fields.sent(EMAIL.name) else None
    details = _customer_details(fields)
    fields.check()
    return CustomerChanges(name=name, phone=phone, email=email, trade_name=details.trade_name,
                           phone2=details.phone2, phone3=details.phone3, email2=details.email2, rg=details.rg,
                           birth_date=details.birth_date)


def _phone(fields: Fields, name: str, raw: str | None) -> str | None:
    if not raw:
        return raw
    phone = normalize_phone(raw)
    if phone is None:
        fields.error(f"O campo {fields.name(name)} deve ser um telefone brasileiro com DDD (ex.: 11987654321).")
    return phone or ""


def _birth_date(fields: Fields) -> date | None:
    raw = BIRTH_DATE.read(fields)
    if not raw:
        return None
    found = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", raw) or re.fullmatch(r"([0-9]{2})/([0-9]{2})/([0-9]{4})",
                                                                                    raw)
    try:
        if found is None:
            raise ValueError
        parts = [int(p) for p in found.groups()]
        day = date(*parts) if len(found.group(1)) == 4 else date(parts[2], parts[1], parts[0])
    except ValueError:
        fields.error("O campo data_nascimento deve ser uma data (AAAA-MM-DD ou DD/MM/AAAA).")
        return None
    if not date(1900, 1, 1) <= day <= date.today():
        fields.error("O campo data_nascimento deve estar entre 01/01/1900 e hoje.")
        return None
    return day


def _new_service(fields: Fields) -> NewService:
    name = SERVICE_NAME.read(fields)
    amount = AMOUNT.read(fields)
    address = _address(ADDRESS.read(fields))
    profile = SUSPENSION_PROFILE.read_optional(fields)
    details = _service_details(fields)
    return NewService(name=name, amount_cents=amount, address=address, suspension_profile_id=profile,
                      login=details.login or "", technology=details.technology or "",
                      reference=details.reference or "", registration_address=details.registration_address,
                      billing_address=details.billing_address, fiscal_address=details.fiscal_address)


def _service_details(fields: Fields) -> ServiceChanges:
    login = LOGIN.read(fields) if fields.sent(LOGIN.name) else None
    if login and not re.fullmatch(r"[A-Za-z0-9._@-]+", login):
        fields.error(f"O campo {fields.name('login')} aceita só letras, dígitos e . _ - @.")
    addresses = {}
    for field in (REGISTRATION_ADDRESS, BILLING_ADDRESS, FISCAL_ADDRESS):
        addresses[field.name] = _address(field.read(fields)) if fields.has(field.name) else None
    return ServiceChanges(
        login=login, technology=TECHNOLOGY.read(fields) if fields.sent(TECHNOLOGY.name) else None,
        reference=REFERENCE.read(fields) if fields.sent(REFERENCE.name) else None,
        registration_address=addresses[REGISTRATION_ADDRESS.name], billing_address=addresses[BILLING_ADDRESS.name],
        fiscal_address=addresses[FISCAL_ADDRESS.name],
    )


def _service_changes(fields: Fields) -> ServiceChanges:
    changes = _service_details(fields)
    fields.check()
    return changes


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
