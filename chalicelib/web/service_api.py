"""The API about itself: the health probe and its OpenAPI document."""
from __future__ import annotations

from chalicelib import openapi
from chalicelib.web.endpoint import AUTHENTICATED, PUBLIC, ApiRequest, installed_api
from chalicelib.web.envelope import Payload
from chalicelib.web.routes import Routes
from chalicelib.web.schema import object_of

routes = Routes(__name__, tag="Saúde", tag_description="Sonda de prontidão.", prefix="")
routes.schemas({
    "Saude": object_of({"status": {"const": "ok"}}),
})
routes.tags["Documentação"] = "Este documento."


@routes.get("/health", PUBLIC, summary="Verificação de saúde",
            description="Sonda de prontidão: responde sem autenticação e sem tocar no banco.",
            raw={"$ref": "#/components/schemas/Saude"}, operation_id="health")
def health(request: ApiRequest) -> Payload:
    return {"status": "ok"}


@routes.get("/api/v1/openapi.json", AUTHENTICATED, summary="Documento OpenAPI da API", tag="Documentação",
            description="Este documento (OpenAPI 3.1), gerado das rotas declaradas.",
            raw={"type": "object", "required": ["openapi", "info", "paths"]}, operation_id="openapi_document")
def openapi_document(request: ApiRequest) -> Payload:
    return openapi.document_of(installed_api())
