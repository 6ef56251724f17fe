"""WhatsApp notification routes (contract Part B): the ZapMe settings (the
secret is never returned), the templates, a customer's opt-out and the
message log."""
from __future__ import annotations

from typing import Any

from chalicelib.clock import local
from chalicelib.notify import templates
from chalicelib.notify.channels import WHATSAPP, ChannelConfig
from chalicelib.notify.service import STATUSES, OutgoingMessage, Template
from chalicelib.web.dates import read_recent_days
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import paginacao, read_page

MOMENT = "%Y-%m-%d %H:%M:%S"


def configure_zapme(request: ApiRequest) -> Payload:
    """``PUT configuracao/integracao/zapme`` ``{ativo, api, secret?, url?}``: the secret is kept when absent,
    unless ``url`` changes; the service checks ``url`` against the deployment's allow-list."""
    fields = request.fields()
    active = fields.boolean("ativo", required=True)
    api = fields.text("api", required=True, min_len=1, max_len=200)
    secret = fields.text("secret", min_len=1, max_len=500) if fields.has("secret") else None
    url = fields.text("url", max_len=300) if fields.has("url") else None
    fields.check()
    config = request.container.notification_settings.configure(WHATSAPP, active, api, secret, url,
                                                               request.user.username)
    return success("Integração com a ZapMe salva com sucesso.", zapme=_zapme_shape(request, config))


def zapme(request: ApiRequest) -> Payload:
    config = request.container.notification_settings.config(WHATSAPP)
    return success("Dados consultados com sucesso.", zapme=_zapme_shape(request, config) if config else None)


def list_templates(request: ApiRequest) -> Payload:
    """``GET configuracao/notificacao/modelo``: every event's template with its variables."""
    return success("Dados consultados com sucesso.", modelos=[
        _template_shape(t) for t in request.container.notification_settings.templates()])


def save_template(request: ApiRequest, event: str) -> Payload:
    """``PUT configuracao/notificacao/modelo/{evento}`` ``{ativo, texto}``."""
    templates.kind_of(event)  # an unknown event is refused before the body is read
    fields = request.fields()
    active = fields.boolean("ativo", default=True)
    text = fields.text("texto", max_len=templates.MAX_TEXT) if fields.has("texto") else None
    fields.check()
    template = request.container.notification_settings.save_template(event, active, text)
    return success("Modelo de notificação salvo com sucesso.", modelo=_template_shape(template))


def set_preference(request: ApiRequest, customer_id: int) -> Payload:
    """``PUT cliente/{id_cliente}/notificacao`` ``{whatsapp: true|false}``."""
    fields = request.fields()
    whatsapp = fields.boolean("whatsapp", required=True)
    fields.check()
    wanted = request.container.notification_settings.set_wants(customer_id, WHATSAPP, whatsapp)
    return success("Preferência de notificação salva com sucesso.",
                   notificacao={"id_cliente": customer_id, "whatsapp": wanted})


def preference(request: ApiRequest, customer_id: int) -> Payload:
    wanted = request.container.notification_settings.wants(customer_id, WHATSAPP)
    return success("Dados consultados com sucesso.", notificacao={"id_cliente": customer_id, "whatsapp": wanted})


def message_log(request: ApiRequest) -> Payload:
    """``GET notificacao/mensagem``: newest first; without dates, the last 31 days."""
    fields = request.fields()
    customer_id = fields.optional_identifier("id_cliente")
    event = fields.choice("evento", tuple(templates.EVENTS))
    status = fields.choice("status", STATUSES)
    page = read_page(fields)
    period = read_recent_days(fields, local(request.container.clock(), request.container.settings.zone).date())
    fields.check()
    assert period is not None
    found = [m for m in request.container.notification_settings.log(customer_id, period.first, period.last)
             if (not event or m.event == event) and (not status or m.status == status)]
    return success("Dados consultados com sucesso.", mensagens=[_message_shape(request, m) for m in page.of(found)],
                   paginacao=paginacao(page, len(found)))


def _zapme_shape(request: ApiRequest, config: ChannelConfig) -> dict[str, Any]:
    return {
        "ativo": config.active,
        "api": config.api,
        "url": config.url or None,
        "secret_configurado": True,  # the secret itself never leaves
        "data_alteracao": local(config.updated_at, request.container.settings.zone).strftime(MOMENT),
        "usuario_alteracao": config.updated_by or None,
    }


def _template_shape(template: Template) -> dict[str, Any]:
    kind = templates.EVENTS[template.event]
    return {
        "evento": template.event,
        "descricao": kind.description,
        "ativo": template.active,
        "texto": template.text,
        "padrao": not template.custom,
        "variaveis": [{"nome": name, "descricao": about} for name, about in kind.variables.items()],
    }


def _message_shape(request: ApiRequest, message: OutgoingMessage) -> dict[str, Any]:
    zone = request.container.settings.zone
    return {
        "id": message.event_id,
        "evento": message.event,
        "id_cliente": message.customer_id,
        "telefone": message.address or None,
        "texto": message.text or None,
        "status": message.status,
        "motivo": message.reason or None,
        "id_zapme": message.provider_message_id or None,
        "resposta": dict(message.answer) or None,
        "tentativas": [{"data": local(t.at, zone).strftime(MOMENT), "resultado": t.outcome, "motivo": t.reason}
                       for t in message.tries],
        "data": local(message.created_at, zone).strftime(MOMENT),
        "data_alteracao": local(message.updated_at, zone).strftime(MOMENT),
    }
