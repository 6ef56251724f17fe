"""``configuracao/tipo_atendimento``, ``tipo_ordem_servico``, ``motivo_fechamento_os`` and
``motivo_remocao_agendamento``: the OS API's catalogues, with the provider's own ids.

``GET`` answers HubSoft's shape exactly (the active entries; HubSoft's keys only), so bots read it
unchanged; ``incluir_inativos`` (ours) adds the inactive entries and, on every entry, ``ativo`` (and
``abre_os`` for ticket types). ``POST`` (an id of the provider's choosing: a taken one is refused),
``PUT .../{id}`` and ``DELETE .../{id}`` are ours. ``DELETE`` deactivates: the OS and tickets that name
the entry keep its text, new ones cannot use it (``catalogues.CatalogueSet.usable``).

Four catalogues, the same five routes each: one table (``SPECS``) declares them, each view reads its
input, makes one call and answers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.service_orders.catalogues import CatalogueEntry, EntryChange, Kind
from chalicelib.web.endpoint import ApiRequest, View
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import Bool, Id, Input, Schema, Text, list_of, object_of, ref

routes = Routes(__name__, tag="Catálogos de OS",
                tag_description="Tipos de atendimento e de OS, motivos de fechamento e de remoção de agendamento, "
                                "com os IDs do provedor.")

INCLUDE_INACTIVE = Bool("incluir_inativos", "Nossa extensão: inclui os inativos e, em cada item, `ativo` (e "
                                            "`abre_os` nos tipos de atendimento). Sem ele, só os ativos, com as "
                                            "chaves do HubSoft.")
DESCRIPTION = Text("descricao", "Texto que clientes e operadores veem.", required=True, max_len=150)
NEW_DESCRIPTION = Text("descricao", "Novo texto.", max_len=150)
ACTIVE = Bool("ativo", "false desativa (como DELETE); true reativa.", default=True, extra={"default": True})
NEW_ACTIVE = Bool("ativo", "false desativa (como DELETE); true reativa.")
OPENS_ORDERS = Bool("abre_os", "Se um atendimento deste tipo pode abrir OS.", default=True, extra={"default": True})
NEW_OPENS_ORDERS = Bool("abre_os", "Se um atendimento deste tipo pode abrir OS.")


@dataclass(frozen=True)
class Spec:
    """One catalogue's routes: its path, HubSoft's keys and who may read it."""

    kind: Kind
    id_key: str  # the entry's id, as HubSoft names it
    list_key: str  # the GET's payload key
    one_key: str  # the payload key of POST, PUT and DELETE
    schema: str  # component schema of an entry
    read_permission: Permission
    summary: str  # "tipos de atendimento"
    hubsoft: str  # what the GET is for HubSoft's clients
    constant: dict[str, Any] = field(default_factory=dict)  # keys HubSoft answers with a fixed value here

    @property
    def path(self) -> str:
        return f"/configuracao/{self.kind.value}"

    @property
    def opens_orders(self) -> bool:
        return self.kind is Kind.TICKET_TYPES


SPECS = (
    Spec(Kind.TICKET_TYPES, "id_tipo_atendimento", "tipos_atendimento", "tipo_atendimento", "TipoAtendimento",
         Permission.CRIAR_ATENDIMENTO, "tipos de atendimento",
         "Rota do HubSoft (`tipos_atendimento[{id_tipo_atendimento, descricao}]`)."),
    Spec(Kind.ORDER_TYPES, "id_tipo_ordem_servico", "tipo_ordem_servicos", "tipo_ordem_servico", "TipoOrdemServico",
         Permission.CONSULTAR_ORDEM_SERVICO, "tipos de ordem de serviço",
         "Rota do HubSoft (`tipo_ordem_servicos[{id_tipo_ordem_servico, descricao, destino}]`; `destino` é "
         "sempre `cliente_servico`: não há OS de POP).", constant={"destino": "cliente_servico"}),
    Spec(Kind.CLOSING_REASONS, "id_motivo_fechamento", "motivos_fechamento", "motivo_fechamento",
         "MotivoFechamentoOs", Permission.CONSULTAR_ORDEM_SERVICO, "motivos de fechamento de OS",
         "Rota do HubSoft; as chaves são as de `motivos_fechamento` em GET ordem_servico/create."),
    Spec(Kind.UNSCHEDULE_REASONS, "id_motivo_remocao_agendamento", "motivos_remocao_agendamento",
         "motivo_remocao_agendamento", "MotivoRemocaoAgendamento", Permission.CONSULTAR_ORDEM_SERVICO,
         "motivos de remoção de agendamento",
         "Nossa rota; as chaves são as de `motivos_remocao_agendamento` em GET ordem_servico/create."),
    Spec(Kind.TICKET_CLOSING_REASONS, "id_motivo_fechamento_atendimento", "motivos_fechamento_atendimento",
         "motivo_fechamento_atendimento", "MotivoFechamentoAtendimento", Permission.CONSULTAR_ATENDIMENTOS,
         "motivos de fechamento de atendimento",
         "Nossa rota: os motivos que `PUT atendimento/{id_atendimento}` aceita em "
         "`id_motivo_fechamento_atendimento` (o HubSoft não documenta uma rota que os liste)."),
)


def render(spec: Spec, entry: CatalogueEntry, *, ours: bool = True) -> dict[str, Any]:
    """An entry in HubSoft's keys; ``ours`` adds ``ativo`` (and ``abre_os``)."""
    shaped: dict[str, Any] = {spec.id_key: entry.id, "descricao": entry.description, **spec.constant}
    if ours:
        shaped["ativo"] = entry.active
        if spec.opens_orders:
            shaped["abre_os"] = entry.opens_orders
    return shaped


def _entry_schema(spec: Spec) -> Schema:
    properties: dict[str, Schema] = {spec.id_key: {"type": "integer"}, "descricao": {"type": "string"}}
    properties.update({key: {"const": value} for key, value in spec.constant.items()})
    properties["ativo"] = {"type": "boolean", "description": "Com `incluir_inativos` e nas respostas de POST, PUT "
                                                             "e DELETE."}
    if spec.opens_orders:
        properties["abre_os"] = {"type": "boolean", "description": "Se o tipo permite abrir OS (como `ativo`)."}
    return object_of(optional=properties)


routes.schemas({spec.schema: _entry_schema(spec) for spec in SPECS})


def _declare(spec: Spec) -> None:
    """The five routes of one catalogue."""
    label = spec.kind.label.lower()
    entry_id = PathId(spec.id_key, f"ID do {label}.")
    new_id = Id(spec.id_key, "ID escolhido pelo provedor (o mesmo do HubSoft, se migrou): um ID já usado, ativo "
                             "ou não, é recusado.", required=True)
    extra_new: tuple[Input[Any], ...] = (OPENS_ORDERS,) if spec.opens_orders else ()
    extra_change: tuple[Input[Any], ...] = (NEW_OPENS_ORDERS,) if spec.opens_orders else ()
    one = (spec.one_key, ref(spec.schema))

    def listing(request: ApiRequest) -> Payload:
        include_inactive = request.read_one(INCLUDE_INACTIVE)
        entries = request.container.catalogues.load().entries(spec.kind, include_inactive=include_inactive)
        return success("Dados consultados com sucesso.",
                       **{spec.list_key: [render(spec, e, ours=include_inactive) for e in entries]})

    def create(request: ApiRequest) -> Payload:
        fields = request.fields()
        new = CatalogueEntry(new_id.read(fields), DESCRIPTION.read(fields), ACTIVE.read(fields),
                             OPENS_ORDERS.read(fields) if spec.opens_orders else True)
        fields.check()
        entry = request.container.catalogues.add(spec.kind, new)
        return success(f"{spec.kind.label} cadastrado com sucesso.", **{spec.one_key: render(spec, entry)})

    def change(request: ApiRequest, wanted: int) -> Payload:
        fields = request.fields()
        edit = EntryChange(NEW_DESCRIPTION.read_changed(fields), NEW_ACTIVE.read_optional(fields),
                           NEW_OPENS_ORDERS.read_optional(fields) if spec.opens_orders else None)
        fields.check()
        entry = request.container.catalogues.change(spec.kind, wanted, edit)
        return success(f"{spec.kind.label} alterado com sucesso.", **{spec.one_key: render(spec, entry)})

    def deactivate(request: ApiRequest, wanted: int) -> Payload:
        entry = request.container.catalogues.deactivate(spec.kind, wanted)
        return success(f"{spec.kind.label} desativado com sucesso.", **{spec.one_key: render(spec, entry)})

    operation = spec.kind.value
    declare: list[tuple[Callable[[View], View], View]] = [
        (routes.get(spec.path, spec.read_permission, summary=f"Listar {spec.summary}",
                    description=f"{spec.hubsoft} Só os ativos, salvo `incluir_inativos`.",
                    query=(INCLUDE_INACTIVE,), result=(spec.list_key, list_of(spec.schema)),
                    operation_id=_operation_id(spec)), listing),
        (routes.post(spec.path, Permission.CONFIGURAR_CATALOGOS_OS, summary=f"Cadastrar {label}",
                     description="Nossa rota. O ID é do provedor (por exemplo o que ele já usa no HubSoft); "
                                 "um ID já cadastrado, mesmo inativo, é recusado.",
                     body=Body(f"Novo{spec.schema}", (new_id, DESCRIPTION, ACTIVE, *extra_new)),
                     result=one, operation_id=f"catalogo_{operation}_cadastrar"), create),
        (routes.put(f"{spec.path}/{{{spec.id_key}}}", Permission.CONFIGURAR_CATALOGOS_OS,
                    summary=f"Alterar {label}", path_params=(entry_id,),
                    description="Nossa rota: altera os campos enviados (o ID não muda).",
                    body=Body(f"Alteracao{spec.schema}", (NEW_DESCRIPTION, NEW_ACTIVE, *extra_change),
                              description="Ao menos um campo."),
                    result=one, operation_id=f"catalogo_{operation}_alterar"), change),
        (routes.delete(f"{spec.path}/{{{spec.id_key}}}", Permission.CONFIGURAR_CATALOGOS_OS,
                       summary=f"Desativar {label}", path_params=(entry_id,),
                       description="Nossa rota. Nunca apaga: as OS e os atendimentos que usam o item mantêm o "
                                   "texto; novos não podem usá-lo. Reative com PUT (`ativo: true`).",
                       result=one, operation_id=f"catalogo_{operation}_desativar"), deactivate),
    ]
    for decorator, view in declare:
        view.__doc__ = f"{view.__name__} of configuracao/{spec.kind.value}"
        decorator(view)


def _operation_id(spec: Spec) -> str:
    # ``GET configuracao/tipo_ordem_servico`` keeps the id it had when declared in ``service_orders.api``.
    return "service_orders_order_types" if spec.kind is Kind.ORDER_TYPES else f"catalogo_{spec.kind.value}_listar"


for _spec in SPECS:
    _declare(_spec)
