"""The message of each event, whichever channel sends it: its documented
variables (each with a realistic example, for previews), a default text in
Portuguese, validation of the provider's own text, rendering, and the
Brazilian formats people read (``R$ 1.234,56``, ``10/12/2026``, ``14:00``).
Pure: no I/O."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from chalicelib.billing.cards.numbers import without_card_numbers
from chalicelib.errors import ValidationError

MAX_TEXT = 1000  # WhatsApp takes more; a notice longer than this is a letter nobody reads

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
BRACES = re.compile(r"\{\{|\}\}")



@dataclass(frozen=True)
class Variable:
    description: str
    example: str  # a realistic value, in the format ``variables_of`` renders it: what a preview shows


# Each variable is declared once, with its example; the examples tell one story (a visit moved from the 12th to
# the 15th, an invoice due on the 10th declined on the card, suspension on the 25th).
CUSTOMER = {"nome": Variable("Nome do cliente", "MARIA DA SILVA"),
            "primeiro_nome": Variable("Primeiro nome do cliente", "Maria")}
ORDER = {**CUSTOMER, "numero_os": Variable("Número da OS", "1042"),
         "data": Variable("Dia da visita (dd/mm/aaaa)", "15/12/2026"),
         "hora_inicio": Variable("Início da janela (hh:mm)", "09:00"),
         "hora_fim": Variable("Fim da janela (hh:mm)", "11:00")}
PREVIOUS_WINDOW = {"data_anterior": Variable("Dia anterior (dd/mm/aaaa)", "12/12/2026"),
                   "hora_inicio_anterior": Variable("Início anterior (hh:mm)", "14:00"),
                   "hora_fim_anterior": Variable("Fim anterior (hh:mm)", "16:00")}
INVOICE = {**CUSTOMER, "numero_fatura": Variable("Número da fatura", "7310"),
           "valor": Variable("Valor (R$ 1.234,56)", "R$ 99,90"),
           "data_vencimento": Variable("Vencimento (dd/mm/aaaa)", "10/12/2026")}
CARD = {"cartao": Variable("Cartão (bandeira e finais)", "Visa •••• 1234")}
CHARGE = {**INVOICE, **CARD, "motivo": Variable("Resposta do banco (código e mensagem)", "05 - Não Autorizada"),
          "orientacao": Variable("O que o cliente deve fazer", "Faremos uma nova tentativa amanhã."),
          "proxima_tentativa": Variable("Dia da nova tentativa (ou vazio)", "11/12/2026")}
SUSPENSION = {**INVOICE, "data_bloqueio": Variable("Dia da suspensão", "25/12/2026")}
TRUST_UNLOCK = {**CUSTOMER,
                "data_desbloqueio": Variable("Desbloqueado até este dia (dd/mm/aaaa)", "27/12/2026"),
                "dias_desbloqueio": Variable("Dias de desbloqueio", "2")}
PIX_EXAMPLE = ("00020101021226860014br.gov.bcb.pix2564pix.exemplo.com.br/qr/v2/7310520400005303986540599.905802BR"
               "6304ABCD")
LINE_EXAMPLE = "23790123456000000007310000000009198340000009990"
LINK_EXAMPLE = "https://boletos.exemplo.com.br/7310"
PAYMENT = {**INVOICE,
           "linha_digitavel": Variable("Linha digitável do boleto (ou vazio)", LINE_EXAMPLE),
           "pix_copia_cola": Variable("Código PIX copia e cola (ou vazio)", PIX_EXAMPLE),
           "link": Variable("Link de pagamento (ou vazio)", LINK_EXAMPLE),
           "dados_pagamento": Variable("Os dados de pagamento que a fatura tem, um por linha",
                                       f"Linha digitável: {LINE_EXAMPLE}\nPIX copia e cola: {PIX_EXAMPLE}\n"
                                       f"Link: {LINK_EXAMPLE}")}


@dataclass(frozen=True)
class EventKind:
    name: str
    description: str
    variables: Mapping[str, Variable]
    default_text: str

    def examples(self) -> dict[str, str]:
        """Each variable's example: what a preview renders the text with."""
        return {name: variable.example for name, variable in self.variables.items()}


EVENTS: dict[str, EventKind] = {e.name: e for e in (
    EventKind("os_agendada", "OS agendada", ORDER,
              "Olá, {{primeiro_nome}}! Sua visita técnica (OS {{numero_os}}) está agendada para {{data}}, entre "
              "{{hora_inicio}} e {{hora_fim}}."),
    EventKind("os_reagendada", "OS reagendada", {**ORDER, **PREVIOUS_WINDOW},
              "Olá, {{primeiro_nome}}! Sua visita técnica (OS {{numero_os}}) mudou para {{data}}, entre "
              "{{hora_inicio}} e {{hora_fim}}."),
    EventKind("os_cancelada", "OS cancelada", ORDER,
              "Olá, {{primeiro_nome}}. A visita técnica da OS {{numero_os}}, marcada para {{data}} às "
              "{{hora_inicio}}, foi cancelada."),
    EventKind("pagamento_aprovado", "Pagamento aprovado", {**INVOICE, **CARD},
              "Olá, {{primeiro_nome}}! Recebemos o pagamento de {{valor}} da fatura com vencimento em "
              "{{data_vencimento}} no cartão {{cartao}}. Obrigado!"),
    EventKind("pagamento_recusado", "Pagamento recusado", CHARGE,
              "Olá, {{primeiro_nome}}. O pagamento de {{valor}} (vencimento {{data_vencimento}}) no cartão "
              "{{cartao}} foi recusado: {{motivo}}. {{orientacao}}"),
    EventKind("cartao_requer_acao", "Cartão requer ação do cliente", CHARGE,
              "Olá, {{primeiro_nome}}. Não conseguimos cobrar {{valor}} no cartão {{cartao}}: {{motivo}}. "
              "{{orientacao}}"),
    EventKind("aviso_suspensao", "Aviso de suspensão", SUSPENSION,
              "Olá, {{primeiro_nome}}. A fatura de {{valor}} com vencimento em {{data_vencimento}} está em "
              "aberto. Para evitar a suspensão do serviço em {{data_bloqueio}}, faça o pagamento."),
    EventKind("servico_suspenso", "Serviço suspenso", SUSPENSION,
              "Olá, {{primeiro_nome}}. Seu serviço foi suspenso pela fatura de {{valor}} vencida em "
              "{{data_vencimento}}. Após o pagamento ele é reabilitado."),
    EventKind("desbloqueio_confianca", "Desbloqueio em confiança", TRUST_UNLOCK,
              "Olá, {{primeiro_nome}}! Seu serviço foi desbloqueado em confiança até {{data_desbloqueio}}. Se a "
              "fatura em aberto não for paga até lá, ele será suspenso novamente."),
    EventKind("segunda_via", "Segunda via de fatura (pedida por um operador ou integração)", PAYMENT,
              "Olá, {{primeiro_nome}}! Segue a fatura de {{valor}} com vencimento em {{data_vencimento}}.\n"
              "{{dados_pagamento}}"),
)}


def payment_lines(payload: Mapping[str, Any]) -> dict[str, str]:
    """A second copy's payment variables; ``dados_pagamento`` names only what the invoice has."""
    values = {name: str(payload.get(name) or "") for name in ("linha_digitavel", "pix_copia_cola", "link")}
    labels = (("Linha digitável", "linha_digitavel"), ("PIX copia e cola", "pix_copia_cola"), ("Link", "link"))
    values["dados_pagamento"] = "\n".join(f"{label}: {values[name]}" for label, name in labels if values[name])
    return values


def kind_of(event: str) -> EventKind:
    found = EVENTS.get(event)
    if found is None:
        raise ValidationError([f"Evento de notificação desconhecido: {event!r}. Eventos: {', '.join(EVENTS)}."])
    return found


def check(kind: EventKind, text: str) -> None:
    """Refuse an empty text, a text too long, a malformed placeholder or one the event does not have."""
    errors = []
    if not text.strip():
        errors.append("O campo texto não pode ficar vazio.")
    if len(text) > MAX_TEXT:
        errors.append(f"O campo texto deve ter no máximo {MAX_TEXT} caracteres.")
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in kind.variables})
    if unknown:
        errors.append(f"Variável desconhecida para o evento {kind.name}: {', '.join(unknown)}. "
                      f"Variáveis: {', '.join(kind.variables)}.")
    if BRACES.search(PLACEHOLDER.sub("", text)):
        errors.append("Há chaves {{ }} malformadas no texto: use {{variavel}}.")
    if errors:
        raise ValidationError(errors)


def render(text: str, variables: Mapping[str, str]) -> str:
    """Fill every placeholder (a variable without a value renders empty) and tidy the spaces it left."""
    filled = PLACEHOLDER.sub(lambda m: variables.get(m.group(1), ""), text)
    return re.sub(r"[ \t]{2,}", " ", filled).strip()


def money(cents: int) -> str:
    """``R$ 1.234,56``."""
    reais, rest = divmod(abs(cents), 100)
    grouped = f"{reais:,}".replace(",", ".")
    return f"{'-' if cents < 0 else ''}R$ {grouped},{rest:02d}"


def day(value: date | str | None) -> str:
    if not value:
        return ""
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return parsed.strftime("%d/%m/%Y")


def moment(value: str | None, zone: tzinfo) -> tuple[str, str]:
    """An ISO instant as the provider's local (day, hh:mm); without an offset it is local already (an OS's
    window is kept in the agenda's wall-clock time)."""
    if not value:
        return "", ""
    parsed = datetime.fromisoformat(value)
    local = parsed.astimezone(zone) if parsed.tzinfo else parsed
    return local.strftime("%d/%m/%Y"), local.strftime("%H:%M")


def variables_of(kind: EventKind, payload: Mapping[str, Any], customer_name: str,
                 zone: tzinfo) -> dict[str, str]:
    """Every variable of ``kind`` from the event's payload and the customer's name."""
    values = {"nome": customer_name, "primeiro_nome": customer_name.split()[0].title() if customer_name else ""}
    if "numero_ordem_servico" in payload:
        start, end = payload.get("inicio"), payload.get("fim")
        if not start and payload.get("inicio_anterior"):  # cancelled or unscheduled: the window it had
            start, end = payload.get("inicio_anterior"), payload.get("fim_anterior")
        values["numero_os"] = str(payload.get("numero_ordem_servico") or "")
        values["data"], values["hora_inicio"] = moment(start, zone)
        values["hora_fim"] = moment(end, zone)[1]
        values["data_anterior"], values["hora_inicio_anterior"] = moment(payload.get("inicio_anterior"), zone)
        values["hora_fim_anterior"] = moment(payload.get("fim_anterior"), zone)[1]
    if "id_fatura" in payload:
        values["numero_fatura"] = str(payload["id_fatura"])
        values["valor"] = money(int(payload.get("valor_centavos") or 0))
        values["data_vencimento"] = day(payload.get("data_vencimento"))
        values["data_bloqueio"] = day(payload.get("data_bloqueio"))
        values["cartao"] = str(payload.get("cartao") or "")
        code, message = payload.get("codigo_retorno") or "", payload.get("mensagem_retorno") or ""
        # Billing masks the gateway's words when it raises the event; events raised before that still pass here.
        motivo = f"{code} - {message}" if code and message else str(message or code)
        values["motivo"] = without_card_numbers(motivo)
        values["orientacao"] = str(payload.get("orientacao") or "")
        values["proxima_tentativa"] = day(payload.get("proxima_tentativa"))
        values.update(payment_lines(payload))
    if "desbloqueio_ate" in payload:
        values["data_desbloqueio"] = day(payload.get("desbloqueio_ate"))
        values["dias_desbloqueio"] = str(payload.get("dias_desbloqueio") or "")
    return {name: values.get(name, "") for name in kind.variables}
