"""Routes are declared once: the document's inputs are the declared fields, and a view reads no other."""
from __future__ import annotations

from typing import Any

import pytest

import app
from chalicelib import openapi
from chalicelib.web.endpoint import PUBLIC
from chalicelib.web.routes import Body, PathId, RouteDeclarationError, Routes
from chalicelib.web.schema import Id, Integer, Items, Text, allowed
from chalicelib.web.validation import Fields, UndeclaredInputError


def _documented_inputs(doc: dict[str, Any], method: str, path: str) -> set[str]:
    op = doc["paths"][path][method.lower()]
    names = {p["name"] for p in op["parameters"] if p.get("in") == "query"}
    if "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        component = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        variants = [doc["components"]["schemas"][v["$ref"].rsplit("/", 1)[1]] for v in component.get("oneOf", [])]
        for variant in [component, *variants]:
            names |= set(variant.get("properties", {}))
    return names


def test_every_declared_route_documents_exactly_the_fields_its_view_may_read() -> None:
    doc = openapi.document_of(app.api)
    declared = [r for r in app.api.routes if r.summary]
    assert declared
    for route in declared:
        assert _documented_inputs(doc, route.method, route.path) == set(route.allowed()), f"{route.method} {route.path}"


def test_a_view_reading_an_undeclared_field_is_refused() -> None:
    name = Text("nome", max_len=10)
    fields = Fields({"nome": "Ana", "segredo": "x"}, allowed=allowed((name,)))
    assert name.read(fields) == "Ana"
    with pytest.raises(UndeclaredInputError, match="segredo"):
        fields.text("segredo")
    with pytest.raises(UndeclaredInputError):
        fields.has("segredo")
    with pytest.raises(UndeclaredInputError):
        fields.raw("segredo")


def test_nested_fields_are_checked_too() -> None:
    item_id = Id("id", required=True)
    items = Items("itens", of=(item_id,))
    fields = Fields({"itens": [{"id": 1, "outro": 2}]}, allowed=allowed((items,)))
    [item] = items.read(fields)
    assert item_id.read(item) == 1
    with pytest.raises(UndeclaredInputError, match="itens.0.outro"):
        item.integer("outro")


def test_fields_without_a_declaration_read_anything() -> None:
    assert Fields({"x": "1"}).integer("x") == 1


def test_path_parameters_must_match_the_path() -> None:
    routes = Routes("tests.unit.example_api", tag="T", tag_description="t")
    with pytest.raises(RouteDeclarationError, match="id_x"):
        routes.get("/coisa/{id_x}", PUBLIC, summary="s")
    with pytest.raises(RouteDeclarationError, match="id_y"):
        routes.get("/coisa/{id_x}", PUBLIC, summary="s", path_params=(PathId("id_y", "y"),))


def test_a_field_cannot_be_both_in_the_query_and_the_body() -> None:
    routes = Routes("tests.unit.example_api", tag="T", tag_description="t")
    limit = Integer("limit")
    with pytest.raises(RouteDeclarationError, match="limit"):
        routes.post("/coisa", PUBLIC, summary="s", query=(limit,), body=Body("Coisa", (limit,)))
