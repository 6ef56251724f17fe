"""``configuracao/tecnico``: HubSoft's list (with more fields) plus our create, change and deactivate routes."""
from __future__ import annotations

from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import normalize_phone
from chalicelib.technicians.service import NewTechnician, Technician, TechnicianChange
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import Bool, Email, Text, list_of, object_of, read, ref
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Técnicos", tag_description="Técnicos de campo.")
routes.schemas({
    "Tecnico": object_of({
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "telefone": {"type": ["string", "null"], "description": "Somente dígitos, com DDD."},
        "ativo": {"type": "boolean", "description": "Um técnico inativo continua nas agendas e OS em que já está, "
                                                    "mas não pode ser adicionado a outras."},
    }),
})

TECHNICIANS = "/configuracao/tecnico"
TECHNICIAN = PathId("id_tecnico", "ID do técnico.")
NAME = Text("name", "Nome do técnico.", required=True, max_len=150)
EMAIL = Email("email", "E-mail (único entre os técnicos).", required=True)
PHONE = Text("telefone", "Telefone brasileiro com DDD (opcional).", max_len=20)
NEW_NAME = Text("name", "Novo nome do técnico.", max_len=150)
NEW_EMAIL = Email("email", "Novo e-mail (único entre os técnicos).")
NEW_PHONE = Text("telefone", "Novo telefone brasileiro com DDD; vazio ou null apaga o telefone.", max_len=20,
                 extra={"type": ["string", "null"]})
ACTIVE = Bool("ativo", "false desativa (como DELETE); true reativa.")
INCLUDE_INACTIVE = Bool("incluir_inativos", "Inclui os técnicos desativados (padrão: só os ativos).")
_ONE = ("tecnico", ref("Tecnico"))


@routes.post(TECHNICIANS, Permission.CADASTRAR_TECNICOS, summary="Cadastrar técnico",
             body=Body("NovoTecnico", (NAME, EMAIL, PHONE)), result=_ONE)
def create(request: ApiRequest) -> Payload:
    fields = request.fields()
    name, email = read(fields, NAME, EMAIL)
    phone = _phone(fields, PHONE.read(fields))
    fields.check()
    technician = request.container.technicians.register(NewTechnician(name=name, email=email, phone=phone))
    return success("Técnico cadastrado com sucesso.", tecnico=render(technician))


@routes.get(TECHNICIANS, Permission.CONSULTAR_TECNICOS, summary="Listar técnicos",
            description="Os ativos, como no HubSoft (`id` e `name`, mais e-mail, telefone e `ativo`); com "
                        "`incluir_inativos`, também os desativados.",
            query=(INCLUDE_INACTIVE,), result=("tecnicos", list_of("Tecnico")))
def list_technicians(request: ApiRequest) -> Payload:
    include_inactive = request.read_one(INCLUDE_INACTIVE)
    technicians = request.container.technicians.list_technicians(include_inactive)
    return success("Técnicos consultados com sucesso.", tecnicos=[render(t) for t in technicians])


@routes.put(TECHNICIANS + "/{id_tecnico}", Permission.CADASTRAR_TECNICOS, path_params=(TECHNICIAN,),
            summary="Alterar técnico",
            description="Altera os campos enviados. Desativado, o técnico continua nas agendas e OS em que já está "
                        "(as OS passadas mantêm o nome), mas não pode ser adicionado a outras nem ligado a um "
                        "usuário.",
            body=Body("AlteracaoTecnico", (NEW_NAME, NEW_EMAIL, NEW_PHONE, ACTIVE),
                      description="Ao menos um campo."),
            result=_ONE)
def change(request: ApiRequest, technician_id: int) -> Payload:
    fields = request.fields()
    name, email = NEW_NAME.read_changed(fields), NEW_EMAIL.read_changed(fields)
    phone = _phone(fields, NEW_PHONE.read(fields)) if fields.sent(NEW_PHONE.name) else None
    active = ACTIVE.read_optional(fields)
    fields.check()
    technician = request.container.technicians.change(
        technician_id, TechnicianChange(name=name, email=email, phone=phone, active=active))
    return success("Técnico alterado com sucesso.", tecnico=render(technician))


@routes.delete(TECHNICIANS + "/{id_tecnico}", Permission.CADASTRAR_TECNICOS, path_params=(TECHNICIAN,),
               summary="Desativar técnico",
               description="Nunca apaga: as OS passadas mantêm o nome do técnico, e ele continua nas agendas e OS "
                           "em que já está, mas não pode ser adicionado a outras. Reative com PUT (`ativo: true`).",
               result=_ONE)
def deactivate(request: ApiRequest, technician_id: int) -> Payload:
    technician = request.container.technicians.deactivate(technician_id)
    return success("Técnico desativado com sucesso.", tecnico=render(technician))


def render(technician: Technician) -> dict[str, object]:
    return {"id": technician.id, "name": technician.name, "email": technician.email,
            "telefone": technician.phone or None, "ativo": technician.active}


def _phone(fields: Fields, text: str) -> str:
    """Digits with DDD, or "" (no phone)."""
    if not text:
        return ""
    phone = normalize_phone(text)
    if phone is None:
        fields.error("O campo telefone deve ser um telefone brasileiro com DDD.")
        return ""
    return phone
