"""The permission catalogue: the names operators see and grant.

Names follow HubSoft's wording where HubSoft has one ("Consultar agenda de
OS", "Abrir ordem de serviço", "Criar atendimento"). Capabilities not built yet
already have their names so that users can be created once.
"""
from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    CONSULTAR_CLIENTES = "Consultar clientes"
    CADASTRAR_CLIENTES = "Cadastrar clientes"
    CONSULTAR_TECNICOS = "Consultar técnicos"
    CADASTRAR_TECNICOS = "Cadastrar técnicos"
    CONSULTAR_AGENDA_OS = "Consultar agenda de OS"
    CONFIGURAR_AGENDAS_OS = "Configurar agendas de OS"
    CRIAR_ATENDIMENTO = "Criar atendimento"
    ABRIR_ORDEM_SERVICO = "Abrir ordem de serviço"
    CONSULTAR_ORDEM_SERVICO = "Consultar ordem de serviço"
    AGENDAR_ORDEM_SERVICO = "Agendar ordem de serviço"
    FECHAR_ORDEM_SERVICO = "Fechar ordem de serviço"
    CONFIGURAR_CATALOGOS_OS = "Configurar catálogos de OS"
    GERENCIAR_CARTOES = "Gerenciar cartões"
    CONSULTAR_FATURAS = "Consultar faturas"
    GERENCIAR_FATURAS = "Gerenciar faturas"
    CONSULTAR_PROCESSAMENTOS_CARTAO = "Consultar processamentos de cartão"
    CONFIGURAR_INTEGRACOES = "Configurar integrações"
    CONFIGURAR_NOTIFICACOES = "Configurar notificações"
    CONSULTAR_MENSAGENS = "Consultar mensagens"
    DESBLOQUEIO_CONFIANCA = "Desbloqueio em confiança"
    CONSULTAR_ATENDIMENTOS = "Consultar atendimentos"
    ALTERAR_ATENDIMENTOS = "Alterar atendimentos"


ALL_PERMISSIONS: tuple[str, ...] = tuple(p.value for p in Permission)

# Routes that only administrators may call (user management, token revocation).
ADMIN_ONLY = "__admin__"
