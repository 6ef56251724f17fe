"""HubSoft's ``POST cliente/desbloqueio_confianca``: a service suspended by its suspension profile enabled for a
few days on the customer's word (``billing.suspension.trust``)."""
from __future__ import annotations

from chalicelib.auth.permissions import Permission
from chalicelib.billing.suspension.trust import DEFAULT_UNLOCK_DAYS, br_day
from chalicelib.customers.api import routes as customer_routes
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body
from chalicelib.web.schema import Id, Integer, object_of, read, ref

routes = customer_routes.sibling(__name__)
routes.schemas({
    "DesbloqueioConfianca": object_of({
        "id_cliente_servico": {"type": "integer"},
        "dias_desbloqueio": {"type": "integer"},
        "data_fim": {"type": "string", "examples": ["2026-12-27"],
                     "description": "AAAA-MM-DD: o dia em que o tick horário suspende o serviço de novo se nada "
                                    "for pago (o dia que a `msg` nomeia)."},
    }),
})

MAX_REQUESTED_DAYS = 365  # the profile's maximum (at most billing.suspension.service.MAX_TRUST_DAYS) refuses more

SERVICE = Id("id_cliente_servico", "Serviço suspenso a desbloquear.", required=True)
DAYS = Integer("dias_desbloqueio", "Dias de desbloqueio (1: até o dia seguinte); no máximo os do perfil de "
                                   "suspensão do serviço.", minimum=1, maximum=MAX_REQUESTED_DAYS,
               default=DEFAULT_UNLOCK_DAYS)


@routes.post("/cliente/desbloqueio_confianca", Permission.DESBLOQUEIO_CONFIANCA, summary="Desbloqueio em confiança",
             description="Como no HubSoft: habilita um serviço suspenso pelo perfil de suspensão por "
                         "`dias_desbloqueio` dias (padrão 1: até o dia seguinte), dentro dos limites do perfil "
                         "(dias por desbloqueio e desbloqueios por mês; 0: não permite). No dia que a `msg` nomeia, o "
                         "tick horário suspende o serviço de novo se a fatura seguir em aberto; o pagamento encerra o "
                         "desbloqueio de vez. Recusado (envelope de erro com `msg`) para serviço não suspenso, já "
                         "desbloqueado ou além dos limites.",
             body=Body("PedidoDesbloqueioConfianca", (SERVICE, DAYS)),
             result=("desbloqueio_confianca", ref("DesbloqueioConfianca")))
def unlock(request: ApiRequest) -> Payload:
    fields = request.fields()
    service_id, days = read(fields, SERVICE, DAYS)
    fields.check()
    done = request.container.trust_unlocks.unlock(service_id, days)
    return success(f"Serviço desbloqueado em confiança até {br_day(done.until)}.", desbloqueio_confianca={
        "id_cliente_servico": done.service_id, "dias_desbloqueio": done.days, "data_fim": done.until.isoformat()})
