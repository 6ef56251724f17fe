"""WhatsApp notification routes: the ZapMe settings (the
secret is never returned), ZapMe's account status and a test message, the
templates and their preview, a customer's opt-out and the message log."""
from __future__ import annotations

from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.clock import local
from chalicelib.customers.model import normalize_phone
from chalicelib.notify import templates
from chalicelib.notify.channels import WHATSAPP, AccountStatus, ChannelConfig, SendResult
from chalicelib.notify.phones import whatsapp_number
from chalicelib.notify.service import STATUSES, TEST_TEXT, OutgoingMessage, Preview, Template
from chalicelib.notify.whatsapp import ZapMeWhatsApp
from chalicelib.web.dates import RECENT_DAYS, RECENT_DAYS_INPUTS, checked_recent_page
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import PAGING, page_answer
from chalicelib.web.routes import Body, PathId, PathText, Routes
from chalicelib.web.schema import Bool, Choice, Id, Text, list_of, object_of, paged, ref
from chalicelib.web.validation import Fields

TEST_OUTCOMES = ("enviada", "falhou")  # a test message's ``situacao``

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
    "SituacaoZapMe": object_of({
        "conta": object_of({
            "plano": {"type": ["string", "null"]},
            "vencimento": {"type": ["string", "null"], "description": "Como a ZapMe o informa (`duedate`)."},
            "situacao": {"type": ["string", "null"], "description": "A palavra da ZapMe (`active`...)."},
        }),
        "dispositivo": object_of({
            "conectado": {"type": ["boolean", "null"], "description": "O WhatsApp da ZapMe está conectado (null: "
                                                                      "a ZapMe não disse)."},
            "autenticado_em": {"type": ["string", "null"], "description": "Como a ZapMe o informa."},
        }),
    }),
    "EnvioTeste": object_of({
        "situacao": {"type": "string", "enum": list(TEST_OUTCOMES)},
        "motivo": {"type": "string", "description": "A resposta da ZapMe, em português."},
        "id_mensagem": {"type": ["string", "null"], "description": "Id da mensagem na ZapMe."},
        "telefone": {"type": "string", "examples": ["5511987654321"], "description": "O número usado."},
    }),
    "PreviaModelo": object_of({
        "evento": {"type": "string"},
        "texto": {"type": "string", "description": "O texto com cada variável trocada pelo seu exemplo."},
        "exemplo": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "O exemplo de cada variável do evento."},
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
TEMPLATE = "/configuracao/notificacao/modelo/{evento}"
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
TEST_PHONE = Text("telefone", "Celular brasileiro com DDD (ex.: 11987654321), lido como o telefone do cliente.",
                  required=True, max_len=20)
ZAPME_TEST_TEXT = TEST_TEXT.format(provider=ZapMeWhatsApp.provider, label=ZapMeWhatsApp.label)
TEST_MESSAGE = Text("texto", f'Texto da mensagem. Ausente ou vazio: "{ZAPME_TEST_TEXT}"', max_len=templates.MAX_TEXT)
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


@routes.get(f"{ZAPME}/status", Permission.CONFIGURAR_INTEGRACOES, summary="Situação da conta na ZapMe",
            description="Pergunta à ZapMe agora (`/status`), com as credenciais gravadas: o plano e se o WhatsApp "
                        "está conectado. Integração não configurada ou desativada, ZapMe fora do ar ou credenciais "
                        "recusadas: erro com o motivo.",
            result=("zapme_status", ref("SituacaoZapMe")))
def zapme_status(request: ApiRequest) -> Payload:
    status = request.container.notification_settings.account_status(WHATSAPP)
    return success(status.reason, zapme_status=_status_shape(status))


@routes.post(f"{ZAPME}/teste", Permission.CONFIGURAR_INTEGRACOES, summary="Enviar mensagem de teste pela ZapMe",
             description="Envia uma mensagem agora, pela integração configurada, sem fila nem nova tentativa; não "
                         "entra no registro de mensagens de nenhum cliente. A resposta da ZapMe vem em `envio` "
                         "(`situacao` `enviada` ou `falhou`, com o `motivo`). Integração não configurada ou "
                         "desativada: erro, nada é enviado.",
             body=Body("TesteZapMe", (TEST_PHONE, TEST_MESSAGE)), result=("envio", ref("EnvioTeste")))
def zapme_test(request: ApiRequest) -> Payload:
    fields = request.fields()
    phone = _whatsapp_phone(fields, TEST_PHONE)
    text = TEST_MESSAGE.read(fields) or None
    fields.check()
    result = request.container.notification_settings.send_test(WHATSAPP, phone, text, request.user.username)
    msg = "Mensagem de teste enviada." if result.accepted else "A ZapMe não enviou a mensagem de teste."
    return success(msg, envio=_test_shape(result, phone))


@routes.get("/configuracao/notificacao/modelo", Permission.CONFIGURAR_NOTIFICACOES,
            summary="Modelos de mensagem por evento",
            description="Cada evento com seu texto (o padrão até ser editado) e as variáveis que aceita.",
            result=("modelos", list_of("ModeloNotificacao")))
def list_templates(request: ApiRequest) -> Payload:
    return success("Dados consultados com sucesso.", modelos=[
        _template_shape(t) for t in request.container.notification_settings.templates()])


@routes.put(TEMPLATE, Permission.CONFIGURAR_NOTIFICACOES,
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


@routes.post(f"{TEMPLATE}/previa", Permission.CONFIGURAR_NOTIFICACOES, summary="Prévia do modelo de um evento",
             path_params=(EVENT,),
             description="O texto (ausente: o atual do evento) com cada variável trocada por um exemplo. É "
                         "conferido como na edição do modelo (texto vazio, variável que o evento não tem e evento "
                         "desconhecido são recusados); nada é gravado.",
             body=Body("PreviaModeloEntrada", (TEMPLATE_TEXT,)), result=("previa", ref("PreviaModelo")))
def preview_template(request: ApiRequest, event: str) -> Payload:
    templates.kind_of(event)  # an unknown event is refused before the body is read
    fields = request.fields()
    text = TEMPLATE_TEXT.read_optional(fields)
    fields.check()
    preview = request.container.notification_settings.preview(event, text)
    return success("Prévia gerada com sucesso.", previa=_preview_shape(preview))


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


def _whatsapp_phone(fields: Fields, field: Text) -> str:
    """A number read as a customer's phone is (``normalize_phone``) and addressed as the WhatsApp channel
    addresses a customer (``whatsapp_number``): ``55DDNNNNNNNNN``."""
    raw = field.read(fields)
    if not raw:
        return ""  # required: already refused
    phone = normalize_phone(raw)
    number = whatsapp_number(phone) if phone else None
    if phone is None:
        fields.error(f"O campo {fields.name(field.name)} deve ser um telefone brasileiro com DDD "
                     "(ex.: 11987654321).")
    elif number is None:
        fields.error(f"O campo {fields.name(field.name)} deve ser um celular (WhatsApp): {phone} não é.")
    return number or ""


def _status_shape(status: AccountStatus) -> dict[str, Any]:
    return {
        "conta": {"plano": status.plan or None, "vencimento": status.due_date or None,
                  "situacao": status.service_status or None},
        "dispositivo": {"conectado": status.device_connected, "autenticado_em": status.authenticated_at or None},
    }


def _test_shape(result: SendResult, phone: str) -> dict[str, Any]:
    return {"situacao": TEST_OUTCOMES[0] if result.accepted else TEST_OUTCOMES[1], "motivo": result.reason,
            "id_mensagem": result.message_id, "telefone": phone}


def _preview_shape(preview: Preview) -> dict[str, Any]:
    return {"evento": preview.event, "texto": preview.text, "exemplo": dict(preview.examples)}


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
        "variaveis": [{"nome": name, "descricao": variable.description}
                      for name, variable in kind.variables.items()],
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
