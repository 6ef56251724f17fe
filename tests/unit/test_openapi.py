"""The OpenAPI document tells the truth about the routes the app registers."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

import app
from chalicelib import openapi
from chalicelib.auth.permissions import ADMIN_ONLY, ALL_PERMISSIONS
from chalicelib.web import console
from chalicelib.web.endpoint import AUTHENTICATED, PUBLIC

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi.document_of(app.api)


def _documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item
            if method in HTTP_METHODS}


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in doc["paths"].items() for method, op in item.items()
            if method in HTTP_METHODS]


def _api_routes() -> set[tuple[str, str]]:
    """The Chalice route table minus the web console's static files (public pages, not the API)."""
    return {(method.upper(), path) for path, entries in app.app.routes.items() for method in entries
            if path not in console.ROUTES}


def test_the_console_routes_are_static_gets_only() -> None:
    console_routes = {(method.upper(), path) for path, entries in app.app.routes.items() for method in entries
                      if path in console.ROUTES}
    assert console_routes == {("GET", path) for path in console.ROUTES}
    assert all(path == "/" or path.startswith("/console/") for path in console.ROUTES)


def test_document_covers_exactly_chalice_route_table(doc: dict[str, Any]) -> None:
    registered = _api_routes()
    documented = _documented(doc)
    missing = sorted(registered - documented)
    extra = sorted(documented - registered)
    assert not missing, (
        "Rotas registradas no Chalice e ausentes do OpenAPI (declare-as com web.routes.Routes): "
        + ", ".join(f"{m} {p}" for m, p in missing)
    )
    assert not extra, (
        "Operações no OpenAPI sem rota no Chalice: "
        + ", ".join(f"{m} {p}" for m, p in extra)
    )


def test_every_chalice_route_went_through_api_route() -> None:
    """Security in the document comes from RouteInfo: a route registered on the
    Chalice app directly would bypass both the endpoint's auth and the docs. The
    only exception is the console's static files, listed in console.ROUTES."""
    through_api = {(method.upper(), r.path) for r in app.api.routes for method in r.methods}
    assert _api_routes() == through_api


def test_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises OpenAPIValidationError with the path of the problem
    json.dumps(doc, ensure_ascii=False)  # served as JSON


def test_every_operation_has_summary_tag_responses_and_unique_id(doc: dict[str, Any]) -> None:
    ids = []
    tags = {t["name"] for t in doc["tags"]}
    for method, path, op in _operations(doc):
        assert op.get("summary"), f"{method} {path} sem summary"
        assert op.get("tags") and set(op["tags"]) <= tags, f"{method} {path}: tag fora da lista de tags"
        assert "200" in op["responses"], f"{method} {path} sem resposta 200"
        ids.append(op["operationId"])
    assert len(ids) == len(set(ids))


def test_security_matches_each_route_permission(doc: dict[str, Any]) -> None:
    for route in app.api.routes:
        for method in route.methods:
            op = doc["paths"][route.path][method.lower()]
            where = f"{method} {route.path} ({route.permission})"
            if route.permission == PUBLIC:
                assert op["security"] == [], where
                assert "401" not in op["responses"] or route.path == "/oauth/token", where
                assert "403" not in op["responses"], where
                continue
            schemes = {name for requirement in op["security"] for name in requirement}
            assert schemes == {"bearer", "oauth2"}, where
            assert "401" in op["responses"], where
            if route.permission == AUTHENTICATED:
                assert "403" not in op["responses"], where
                assert op["x-permissao"] == "autenticado", where
            else:
                forbidden = op["responses"]["403"]["content"]["application/json"]["schema"]
                assert forbidden == {"$ref": "#/components/schemas/ErroPermissao"}, where
                if route.permission == ADMIN_ONLY:
                    assert op["x-permissao"] == "administrador" and "administrador" in op["description"], where
                else:
                    assert route.permission in ALL_PERMISSIONS, where
                    assert op["x-permissao"] == route.permission, where
                    assert f'"{route.permission}"' in op["description"], where


def test_security_schemes_are_bearer_and_oauth2_password(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["oauth2"]["flows"]["password"]["tokenUrl"] == "/oauth/token"
    assert "security" not in doc  # per operation, so public routes are explicit


def test_required_component_schemas_exist(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name in ("Cliente", "Servico", "EnderecoInstalacao", "Tecnico", "Usuario", "Paginacao", "EnvelopeErro",
                 "ErroOAuth", "TokenResposta"):
        assert name in schemas, name
    assert schemas["ErroPermissao"]["properties"]["msg"]["const"] == "O Usuário não possui a permissão desejada!"
    assert set(schemas["ErroOAuth"]["required"]) == {"error", "error_description", "message"}


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for reference in refs(doc):
        _, section, kind, name = reference.split("/")
        assert name in doc[section][kind], reference


def test_customer_search_parameters(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/integracao/cliente"]["get"]
    params = {p["name"]: p for p in op["parameters"] if "name" in p}
    assert params["busca"]["required"] and params["busca"]["schema"]["enum"] == [
        "cpf_cnpj", "codigo_cliente", "id_cliente_servico", "nome_razaosocial", "nome", "nome_fantasia", "telefone",
        "login_radius", "login", "ipv4", "mac"]
    assert params["termo_busca"]["required"]
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 5}


def test_bodies_accept_json_and_form_and_health_is_not_an_envelope(doc: dict[str, Any]) -> None:
    for method, path, op in _operations(doc):
        if "requestBody" in op:
            assert set(op["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded"}, \
                f"{method} {path}"
    health = doc["paths"]["/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert doc["components"]["schemas"][health["$ref"].rsplit("/", 1)[1]]["properties"] == {"status": {"const": "ok"}}
    token = doc["paths"]["/oauth/token"]["post"]
    grants = doc["components"]["schemas"]["TokenRequisicao"]["oneOf"]
    assert len(grants) == 2 and {"400", "401", "429"} <= set(token["responses"])


def test_documented_body_fields_are_read_by_the_api_code(doc: dict[str, Any]) -> None:
    """A field name in the document that no view reads is a typo (or a removed field)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "chalicelib").rglob("*.py")
                        if p.name != "openapi.py")
    schemas = doc["components"]["schemas"]

    def fields(name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return set()
        seen.add(name)
        schema = schemas[name]
        found = set(schema.get("properties", {}))
        for value in [*schema.get("properties", {}).values(), *schema.get("oneOf", [])]:
            for node in (value, value.get("items", {})):
                if isinstance(node, dict) and "$ref" in node:
                    target = node["$ref"].rsplit("/", 1)[1]
                    if target != "Permissao":
                        found |= fields(target, seen)
        return found

    bodies = {op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
              for _, _, op in _operations(doc) if "requestBody" in op}
    names = set().union(*(fields(b, set()) for b in bodies))
    names |= {p["name"] for _, _, op in _operations(doc) for p in op["parameters"] if p.get("in") == "query"}
    unread = sorted(n for n in names if f'"{n}"' not in source)
    assert not unread, f"Campos documentados que nenhuma view lê: {unread}"


def test_an_unknown_permission_makes_the_builder_raise() -> None:
    routes = [replace(r, permission="Permissão inventada") if r.path == "/health" else r for r in app.api.routes]
    with pytest.raises(openapi.OpenApiCoverageError, match="permissão desconhecida"):
        openapi.document(routes)
