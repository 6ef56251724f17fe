"""WhatsApp notification routes: the ZapMe settings (the
secret is never returned), the templates, a customer's opt-out and the
message log."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.clock import local
from chalicelib.notify import templates
from chalicelib.notify.channels import WHATSAPP, ChannelConfig
from chalicelib.notify.service import STATUSES, OutgoingMessage, Template
from chalicelib.web.dates import RECENT_DAYS, RECENT_DAYS_INPUTS, checked_recent_page
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import PAGING, page_answer
from chalicelib.web.routes import Body, PathId, PathText, Routes
from chalicelib.web.schema import Bool, Choice, Id, Text, list_of, object_of, paged, ref

routes = Routes(__name__, tag="Notificações",
                tag_description="Mensagens de WhatsApp pela ZapMe: integração, modelos por evento, opt-out e registro.")
routes.schemas({
    "IntegracaoZapMe": object_of(optional={
        "ativo": {"type": "boolean"}, "api": {"type": "string"}, "url": {"type": ["string", "null"]},
        "secret_configurado": {"type": "boolean"}, "data_alteracao": {"type": "string"},
        "usuario_alteracao": {"type": ["string", "null"]},
    }),
    "ModeloNotificacao": object_of(optional={
        "evento": {"type": "string"}, "descricao": {"type": "string"}, "ativo": {"type": "boolean"},
        "texto": {"type": "string"}, "padrao": {"type": "boolean", "description": "O texto padrão do sistema."},
        "variaveis": {"type": "array", "items": object_of(optional={
            "nome": {"type": "string"}, "descricao": {"type": "string"}})},
    }),
    "PreferenciaNotificacao": object_of(optional={"id_cliente": {"type": "integer"}, "whatsapp": {"type": "boolean"}}),
    "MensagemWhatsApp": object_of(optional={
        "id": {"type": "string", "description": "Id do evento (uma mensagem por evento)."},
        "evento": {"type": "string"}, "descricao_evento": {"type": "string", "examples": ["OS agendada"]},
        "id_cliente": {"type": "integer"},
        "telefone": {"type": ["string", "null"], "examples": ["5511987654321"]},
        "texto": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(STATUSES)},
        "motivo": {"type": ["string", "null"]}, "id_zapme": {"type": ["string", "null"]},
        "resposta": {"type": ["object", "null"], "description": "A última resposta da ZapMe."},
        "tentativas": {"type": "array", "items": object_of(optional={
            "data": {"type": "string"}, "resultado": {"type": "string"}, "motivo": {"type": "string"}})},
        "data": {"type": "string"}, "data_alteracao": {"type": "string"},
    }),
})

MOMENT = "%Y-%m-%d %H:%M:%S"
ZAPME = "/configuracao/integracao/zapme"
CUSTOMER = PathId("id_cliente", "ID do cliente (`id_cliente`).")
EVENT = PathText("evento", "Evento de notificação (`os_agendada`, `pagamento_recusado`...).",
                 tuple(templates.EVENTS))

ACTIVE = Bool("ativo", required=True)
API_KEY = Text("api", "Chave `api` da conta ZapMe.", required=True, min_len=1, max_len=200)
SECRET = Text("secret", "Chave `secret` (cifrada; nunca devolvida). Ausente: mantém a gravada, se a `url` não "
                        "mudar.", min_len=1, max_len=500)
URL = Text("url", "Endereço da API (ausente: mantém o atual; nunca informado: o da ZapMe). Só `https://` num host "
                  "permitido pela implantação (ZAPME_ALLOWED_HOSTS; padrão `https://api.zapme.com.br`), sem "
                  "usuário, porta diferente, parâmetros ou fragmento. Mudá-la exige o `secret` na mesma requisição.",
           max_len=300)
TEMPLATE_ACTIVE = Bool("ativo", default=True)
TEMPLATE_TEXT = Text("texto", "Texto com `{{variavel}}` (as variáveis do evento).",
                     max_len=templates.MAX_TEXT)
WANTS_WHATSAPP = Bool("whatsapp", required=True)
LOG_CUSTOMER = Id("id_cliente", "Cliente.")
LOG_EVENT = Choice("evento", "Evento.", options=tuple(templates.EVENTS))
LOG_STATUS = Choice("status", "Status da mensagem.", options=STATUSES)


@routes.put(ZAPME, Permission.CONFIGURAR_INTEGRACOES, summary="Configurar a ZapMe",
            description="O `secret` é cifrado (KMS) e nunca devolvido. Ele só é enviado a uma `url` `https://` de "
                        "host permitido pela implantação (ZAPME_ALLOWED_HOSTS); trocar a `url` exige reenviar o "
                        "`secret`.",
            body=Body("ConfiguracaoZapMe", (ACTIVE, API_KEY, SECRET, URL)), result=("zapme", ref("IntegracaoZapMe")))
def configure_zapme(request: ApiRequest) -> Payload:
    """``{ativo, api, secret?, url?}``: the secret is kept when absent, unless ``url`` changes; the service
    checks ``url`` against the deployment's allow-list."""
    fields = request.fields()
    active = ACTIVE.read(fields)
    api = API_KEY.read(fields)
    secret = SECRET.read_optional(fields)
    url = URL.read_optional(fields)
    fields.check()
    config = request.container.notification_settings.configure(WHATSAPP, active, api, secret, url,
                                                               request.user.username)
    return success("Integração com a ZapMe salva com sucesso.", zapme=_zapme_shape(request, config))


@routes.get(ZAPME, Permission.CONFIGURAR_INTEGRACOES, summary="Integração com a ZapMe",
            result=("zapme", ref("IntegracaoZapMe")))
def zapme(request: ApiRequest) -> Payload:
    config = request.container.notification_settings.config(WHATSAPP)
    return success("Dados consultados com sucesso.", zapme=_zapme_shape(request, config) if config else None)


@routes.get("/configuracao/notificacao/modelo", Permission.CONFIGURAR_NOTIFICACOES,
            summary="Modelos de mensagem por evento",
            description="Cada evento com seu texto (o padrão até ser editado) e as variáveis que aceita.",
            result=("modelos", list_of("ModeloNotificacao")))
def list_templates(request: ApiRequest) -> Payload:
    return success("Dados consultados com sucesso.", modelos=[
        _template_shape(t) for t in request.container.notification_settings.templates()])


@routes.put("/configuracao/notificacao/modelo/{evento}", Permission.CONFIGURAR_NOTIFICACOES,
            summary="Editar o modelo de um evento", path_params=(EVENT,),
            description="Eventos: " + ", ".join(f"`{e}`" for e in templates.EVENTS) + ". Texto vazio, variável que "
                        "o evento não tem ou evento desconhecido são recusados.",
            body=Body("ModeloNotificacaoEntrada", (TEMPLATE_ACTIVE, TEMPLATE_TEXT)),
            result=("modelo", ref("ModeloNotificacao")))
def save_template(request: ApiRequest, event: str) -> Payload:
    templates.kind_of(event)  # an unknown event is refused before the body is read
    fields = request.fields()
    active = TEMPLATE_ACTIVE.read(fields)
    text = TEMPLATE_TEXT.read_optional(fields)
    fields.check()
    template = request.container.notification_settings.save_template(event, active, text)
    return success("Modelo de notificação salvo com sucesso.", modelo=_template_shape(template))


@routes.put("/cliente/{id_cliente}/notificacao", Permission.CADASTRAR_CLIENTES,
            summary="Opt-out de WhatsApp do cliente", path_params=(CUSTOMER,),
            body=Body("PreferenciaNotificacaoEntrada", (WANTS_WHATSAPP,)),
            result=("notificacao", ref("PreferenciaNotificacao")))
def set_preference(request: ApiRequest, customer_id: int) -> Payload:
    whatsapp = request.read_one(WANTS_WHATSAPP)
    wanted = request.container.notification_settings.set_wants(customer_id, WHATSAPP, whatsapp)
    return success("Preferência de notificação salva com sucesso.",
                   notificacao={"id_cliente": customer_id, "whatsapp": wanted})


@routes.get("/cliente/{id_cliente}/notificacao", Permission.CONSULTAR_CLIENTES,
            summary="Preferência de WhatsApp do cliente", path_params=(CUSTOMER,),
            result=("notificacao", ref("PreferenciaNotificacao")))
def preference(request: ApiRequest, customer_id: int) -> Payload:
    wanted = request.container.notification_settings.wants(customer_id, WHATSAPP)
    return success("Dados consultados com sucesso.", notificacao={"id_cliente": customer_id, "whatsapp": wanted})


@routes.get("/notificacao/mensagem", Permission.CONSULTAR_MENSAGENS, summary="Registro de mensagens de WhatsApp",
            description="Da mais recente à mais antiga, com as tentativas e a resposta da ZapMe. Sem datas: os "
                        f"últimos {RECENT_DAYS} dias.",
            query=(LOG_CUSTOMER, LOG_EVENT, LOG_STATUS, *RECENT_DAYS_INPUTS, *PAGING),
            raw=paged("mensagens", "MensagemWhatsApp"))
def message_log(request: ApiRequest) -> Payload:
    fields = request.fields()
    customer_id = LOG_CUSTOMER.read_optional(fields)
    event = LOG_EVENT.read(fields)
    status = LOG_STATUS.read(fields)
    page, period = checked_recent_page(fields, request.today())
    found = [m for m in request.container.notification_settings.log(customer_id, period.first, period.last)
             if (not event or m.event == event) and (not status or m.status == status)]
    return page_answer(page, found, "mensagens", lambda message: _message_shape(request, message))


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
        "descricao_evento": templates.EVENTS[message.event].description if message.event in templates.EVENTS
        else message.event,
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
