"""Routes declared once, next to their views.

Each bounded context keeps a ``Routes`` table (a Chalice blueprint) in its
``api`` module and declares every route on the view that answers it: method,
path, permission, the path parameters, the input fields (the ``web.schema``
objects the view reads them with), the answer's payload key and schema, and
the words of the document. ``app.py`` registers the tables
(``endpoint.Api.include``) and the OpenAPI document is generated from the
declarations (``chalicelib.openapi``), so nothing is said twice.

How to add a route::

    routes = Routes(__name__, tag="Técnicos", tag_description="Cadastro de técnicos.")
    NAME = Text("name", "Nome do técnico.", required=True, max_len=150)

    @routes.post("/configuracao/tecnico", Permission.CADASTRAR_TECNICOS, summary="Cadastrar técnico",
                 body=Body("NovoTecnico", (NAME,)), result=("tecnico", ref("Tecnico")))
    def create(request: ApiRequest) -> Payload:
        fields = request.fields()
        name = NAME.read(fields)
        ...

A path parameter is declared with ``PathId``/``PathText`` and reaches the
view already parsed, as a positional argument in path order. The view gets
an ``ApiRequest`` whose ``fields()`` refuses to read a name the route does
not declare. Answer schemas a context owns are registered with
``routes.schemas`` and referenced with ``web.schema.ref``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint

from chalicelib.errors import ValidationError
from chalicelib.web.endpoint import ACCEPTED_CONTENT_TYPES, View, wrap
from chalicelib.web.schema import Allowed, Input, Schema, allowed, object_schema
from chalicelib.web.validation import parse_int

# HubSoft's integration API lives under this prefix; so do our own routes.
BASE = "/api/v1/integracao"
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


class RouteDeclarationError(RuntimeError):
    """A route declared inconsistently (raised at import, so no test run can miss it)."""


@dataclass(frozen=True)
class PathId:
    """A positive integer path segment."""

    name: str
    description: str

    def parse(self, value: str) -> int:
        number = parse_int(value)
        if number is None or number < 1:
            raise ValidationError([f"O parâmetro {self.name} deve ser um número inteiro positivo."])
        return number

    def schema(self) -> Schema:
        return {"type": "integer", "minimum": 1}


@dataclass(frozen=True)
class PathText:
    """A text path segment, optionally one of ``options`` (the view still decides what an unknown one means)."""

    name: str
    description: str
    options: tuple[str, ...] = ()

    def parse(self, value: str) -> str:
        return value

    def schema(self) -> Schema:
        return {"type": "string", "enum": list(self.options)} if self.options else {"type": "string"}


PathParam = PathId | PathText


@dataclass(frozen=True)
class Body:
    """A request body: a named component schema generated from its fields.

    ``alternatives`` documents a body that is one of several shapes (each a
    ``Body``); the route may then read the fields of any of them.
    """

    schema_name: str
    fields: tuple[Input, ...] = ()
    description: str = ""
    required: bool = True
    alternatives: tuple[Body, ...] = ()

    def inputs(self) -> tuple[Input, ...]:
        found = {i.name: i for b in self.alternatives for i in b.inputs()}
        found.update({i.name: i for i in self.fields})
        return tuple(found.values())

    def components(self) -> dict[str, Schema]:
        """This body's component schema and its alternatives'."""
        result: dict[str, Schema] = {}
        for alternative in self.alternatives:
            result.update(alternative.components())
        if self.alternatives:
            schema: Schema = {"oneOf": [{"$ref": f"#/components/schemas/{b.schema_name}"}
                                        for b in self.alternatives]}
            if self.description:
                schema["description"] = self.description
        else:
            schema = object_schema(self.fields, self.description)
        result[self.schema_name] = schema
        return result


@dataclass(frozen=True)
class RouteInfo:
    """One declared route: what Chalice registers, what the endpoint checks and what the document says."""

    path: str
    method: str
    permission: str
    operation_id: str
    summary: str
    tag: str
    description: str = ""
    path_params: tuple[PathParam, ...] = ()
    query: tuple[Input, ...] = ()
    body: Body | None = None
    # Success envelope: the payload key and its schema; None for envelopes with only ``msg``.
    result: tuple[str, Schema] | None = None
    # A 200 body that is not the envelope (health, the OAuth token, the document itself).
    raw: Schema | None = None
    extra_responses: Mapping[str, Schema] = field(default_factory=dict)

    @property
    def methods(self) -> tuple[str, ...]:
        return (self.method,)

    def inputs(self) -> tuple[Input, ...]:
        return self.query + (self.body.inputs() if self.body else ())

    def allowed(self) -> Allowed:
        return allowed(self.inputs())


class Routes:
    """One context's routes on a Chalice blueprint, each declared once on its view."""

    def __init__(self, import_name: str, *, tag: str, tag_description: str, prefix: str = BASE) -> None:
        self.blueprint = Blueprint(import_name)
        self.prefix = prefix
        self.tag = tag
        self.tags: dict[str, str] = {tag: tag_description}
        self.declared: list[RouteInfo] = []
        self.components: dict[str, Schema] = {}
        self._context = import_name.rsplit(".", 2)[-2] if import_name.count(".") >= 2 else import_name

    def sibling(self, import_name: str) -> Routes:
        """The table of another module of the same context, under the same tag."""
        return Routes(import_name, tag=self.tag, tag_description=self.tags[self.tag], prefix=self.prefix)

    def schemas(self, schemas: Mapping[str, Schema]) -> None:
        """Answer schemas this context owns (component names are global: a clash raises at include)."""
        self.components.update(schemas)

    def route(self, method: str, path: str, permission: str, *, summary: str, description: str = "",
              path_params: tuple[PathParam, ...] = (), query: tuple[Input, ...] = (), body: Body | None = None,
              result: tuple[str, Schema] | None = None, raw: Schema | None = None,
              extra_responses: Mapping[str, Schema] | None = None, tag: str | None = None,
              prefix: str | None = None, operation_id: str | None = None) -> Callable[[View], View]:
        full_path = (self.prefix if prefix is None else prefix) + path
        named = _PATH_PARAM.findall(full_path)
        if named != [p.name for p in path_params]:
            raise RouteDeclarationError(f"{method} {full_path}: parâmetros de caminho declarados "
                                        f"{[p.name for p in path_params]}, no caminho {named}")
        clash = {i.name for i in query} & {i.name for i in (body.inputs() if body else ())}
        if clash:
            raise RouteDeclarationError(f"{method} {full_path}: campos na query e no corpo: {sorted(clash)}")

        def declare(view: View) -> View:
            info = RouteInfo(
                path=full_path, method=method.upper(), permission=permission,
                operation_id=operation_id or f"{self._context}_{view.__name__}", summary=summary,
                tag=tag or self.tag, description=description, path_params=path_params, query=query, body=body,
                result=result, raw=raw, extra_responses=dict(extra_responses or {}),
            )
            self.declared.append(info)
            handler = wrap(view, info.permission, lambda: self.blueprint.current_request, info.allowed(),
                           info.path_params)
            self.blueprint.route(full_path, methods=[info.method], content_types=ACCEPTED_CONTENT_TYPES,
                                 name=info.operation_id)(handler)
            return view

        return declare

    def get(self, path: str, permission: str, **kwargs: Any) -> Callable[[View], View]:
        return self.route("GET", path, permission, **kwargs)

    def post(self, path: str, permission: str, **kwargs: Any) -> Callable[[View], View]:
        return self.route("POST", path, permission, **kwargs)

    def put(self, path: str, permission: str, **kwargs: Any) -> Callable[[View], View]:
        return self.route("PUT", path, permission, **kwargs)

    def delete(self, path: str, permission: str, **kwargs: Any) -> Callable[[View], View]:
        return self.route("DELETE", path, permission, **kwargs)
