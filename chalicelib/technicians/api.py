"""``configuracao/tecnico``: HubSoft's list shape plus our create route."""
from __future__ import annotations

from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import normalize_phone
from chalicelib.technicians.service import NewTechnician, Technician
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, Routes
from chalicelib.web.schema import Email, Text, list_of, object_of, read, ref

routes = Routes(__name__, tag="Técnicos", tag_description="Técnicos de campo.")
routes.schemas({
    "Tecnico": object_of({
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "telefone": {"type": ["string", "null"], "description": "Somente dígitos, com DDD."},
    }),
    "TecnicoResumo": object_of({"id": {"type": "integer"}, "name": {"type": "string"}}),
})

NAME = Text("name", "Nome do técnico.", required=True, max_len=150)
EMAIL = Email("email", "E-mail (único entre os técnicos).", required=True)
PHONE = Text("telefone", "Telefone brasileiro com DDD (opcional).", max_len=20)


@routes.post("/configuracao/tecnico", Permission.CADASTRAR_TECNICOS, summary="Cadastrar técnico",
             body=Body("NovoTecnico", (NAME, EMAIL, PHONE)), result=("tecnico", ref("Tecnico")))
def create(request: ApiRequest) -> Payload:
    fields = request.fields()
    name, email, phone = read(fields, NAME, EMAIL, PHONE)
    if phone and normalize_phone(phone) is None:
        fields.error("O campo telefone deve ser um telefone brasileiro com DDD.")
    fields.check()
    technician = request.container.technicians.register(
        NewTechnician(name=name, email=email, phone=normalize_phone(phone) or "" if phone else "")
    )
    return success("Técnico cadastrado com sucesso.", tecnico=render(technician))


@routes.get("/configuracao/tecnico", Permission.CONSULTAR_TECNICOS, summary="Listar técnicos ativos",
            result=("tecnicos", list_of("TecnicoResumo")))
def list_active(request: ApiRequest) -> Payload:
    technicians = request.container.technicians.list_active()
    return success("Técnicos consultados com sucesso.", tecnicos=[{"id": t.id, "name": t.name} for t in technicians])


def render(technician: Technician) -> dict[str, object]:
    return {"id": technician.id, "name": technician.name, "email": technician.email,
            "telefone": technician.phone or None}
