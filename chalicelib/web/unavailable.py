"""HubSoft routes this installation does not serve (stock, network, contracts, prospects...): one table.

A client written for HubSoft that calls one of them gets HubSoft's envelope with a clear Portuguese
message, ``{"status": "error", "msg": "Rota GET cliente/extrato_conexao não disponível nesta
instalação.", "errors": [why]}``, with HTTP 200 and for any method: HubSoft answers its own refusals
with 200 and its clients read ``status`` (a 404 would make many of them raise before reading the body).
The answer needs no token (it says nothing about the provider) and changes nothing.

Any other unknown path under the prefix answers the same envelope and message with HTTP 404 (the
local gateway, ``sandbox.gateway``, and API Gateway's ``MISSING_AUTHENTICATION_TOKEN`` response in
``infra``): it is no route of HubSoft's that clients are known to call, so it may be a typo.

These routes are registered on the app (``endpoint.Api.unavailable``) but are no operations of the
API: the OpenAPI document lists them under ``x-rotas-indisponiveis`` rather than in ``paths``.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.web.envelope import Payload, failure

# Every method a client may use: the answer is the same.
ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")
MESSAGE = "Rota {method} {path} não disponível nesta instalação."
# API Gateway's own answer to an unknown route: a static text (its gateway responses cannot name the route).
UNKNOWN_ROUTE_MSG = "Rota não disponível nesta instalação."


@dataclass(frozen=True)
class Unavailable:
    path: str  # under /api/v1/integracao/, with ``{name}`` for a path parameter
    why: str  # what HubSoft does there, and why we do not (Portuguese: it is in the answer)


UNAVAILABLE: tuple[Unavailable, ...] = (
    Unavailable("cliente/extrato_conexao", "Extrato de conexão (RADIUS): não guardamos dados de rede."),
    Unavailable("cliente/desvincular_cpe", "Equipamento do cliente (CPE): não guardamos dados de rede."),
    Unavailable("cliente/reset_mac_addr", "Reset de MAC: não guardamos dados de rede."),
    Unavailable("cliente/solicitar_desconexao/{id_cliente_servico}",
                "Desconexão da sessão: não controlamos o concentrador de rede."),
    Unavailable("rede/equipamento", "Equipamentos de rede: não guardamos dados de rede."),
    Unavailable("cliente_servico/suspender/{id_cliente_servico}",
                "A suspensão é feita pelo perfil de suspensão do serviço (configuracao/perfil_suspensao)."),
    Unavailable("cliente_servico/habilitar/{id_cliente_servico}",
                "O serviço é habilitado ao pagar a fatura; não há habilitação manual pela API."),
    Unavailable("cliente_servico/ativar/{id_cliente_servico}",
                "Ativação de serviço: os serviços nascem ativos ao serem cadastrados (cliente)."),
    Unavailable("cliente/contrato", "Contratos: não há gestão de contratos nesta instalação."),
    Unavailable("contrato", "Contratos: não há gestão de contratos nesta instalação."),
    Unavailable("prospecto", "Prospectos (pré-venda): não há CRM de vendas nesta instalação."),
    Unavailable("prospecto/{id_prospecto}", "Prospectos (pré-venda): não há CRM de vendas nesta instalação."),
    Unavailable("configuracao/vendedor", "Vendedores: não há CRM de vendas nesta instalação."),
    Unavailable("mapeamento/viabilidade/consultar", "Viabilidade técnica: não há mapa de rede nesta instalação."),
    Unavailable("viabilidade", "Viabilidade técnica: não há mapa de rede nesta instalação."),
    Unavailable("renegociacao/simular", "Renegociação de dívidas: não disponível; as faturas são geridas em "
                                        "financeiro/fatura."),
    Unavailable("renegociacao/efetivar", "Renegociação de dívidas: não disponível; as faturas são geridas em "
                                         "financeiro/fatura."),
    Unavailable("estoque/produto", "Estoque: não há controle de estoque nesta instalação."),
    Unavailable("estoque/movimentacao", "Estoque: não há controle de estoque nesta instalação."),
    Unavailable("cliente/todos", "Lista de todos os clientes: não disponível (exigiria ler a tabela inteira); busque "
                                 "cada cliente em cliente (busca e termo_busca)."),
    Unavailable("cliente/financeiro/enviar_email", "Não há canal de e-mail nesta instalação; use "
                                                   "cliente/financeiro/enviar_whatsapp."),
    Unavailable("cliente/financeiro/enviar_push", "Não há aplicativo do assinante nesta instalação; use "
                                                  "cliente/financeiro/enviar_whatsapp."),
    Unavailable("ordem_servico/adicionar_anexo/{id_ordem_servico}",
                "Anexos de OS: não guardamos arquivos; use adicionar_mensagem."),
)


def message(method: str, path: str) -> str:
    """The ``msg`` of a route not served here (``path`` relative to the prefix, as clients name it)."""
    return MESSAGE.format(method=method.upper(), path=path.strip("/"))


def answer(method: str, path: str, why: str = "") -> Payload:
    return failure(message(method, path), [why] if why else [])
