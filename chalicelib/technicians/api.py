"""``configuracao/tecnico``: HubSoft's list shape plus our create route."""
from __future__ import annotations

from chalicelib.customers.model import normalize_phone
from chalicelib.technicians.service import NewTechnician, Technician
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success


def create(request: ApiRequest) -> Payload:
    fields = request.fields()
    name = fields.text("name", required=True, max_len=150)
    email = fields.email("email", required=True)
    phone = fields.text("telefone", max_len=20)
    if phone and normalize_phone(phone) is None:
        fields.error("O campo telefone deve ser um telefone brasileiro com DDD.")
    fields.check()
    technician = request.container.technicians.register(
        NewTechnician(name=name, email=email, phone=normalize_phone(phone) or "" if phone else "")
    )
    return success("Técnico cadastrado com sucesso.", tecnico=render(technician))


def list_active(request: ApiRequest) -> Payload:
    technicians = request.container.technicians.list_active()
    return success("Técnicos consultados com sucesso.", tecnicos=[{"id": t.id, "name": t.name} for t in technicians])


def render(technician: Technician) -> dict[str, object]:
    return {"id": technician.id, "name": technician.name, "email": technician.email,
            "telefone": technician.phone or None}
