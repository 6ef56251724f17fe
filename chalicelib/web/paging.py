"""0-based paging with HubSoft's ``paginacao`` block."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib.web.envelope import Payload, success
from chalicelib.web.schema import Integer, TextList
from chalicelib.web.validation import Fields

T = TypeVar("T")
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    def of(self, items: Sequence[T]) -> Sequence[T]:
        """This page's items of the whole list (empty past its end)."""
        first = self.page * self.per_page
        return items[first:first + self.per_page]


PAGE = Integer("pagina", "Página, a partir de 0.", minimum=0)
PER_PAGE = Integer("itens_por_pagina", f"Itens por página, de 1 a {MAX_PER_PAGE}.", minimum=1, maximum=MAX_PER_PAGE,
                   default=DEFAULT_PER_PAGE)
# The query inputs of a paged list, declared by its route.
PAGING = (PAGE, PER_PAGE)


def read_page(fields: Fields) -> PageRequest:
    """Read ``pagina`` (from 0) and ``itens_por_pagina`` (1 to ``MAX_PER_PAGE``)."""
    return PageRequest(page=PAGE.read(fields), per_page=PER_PAGE.read(fields))


def paginacao(page: PageRequest, total: int) -> dict[str, Any]:
    """The block every paged list returns."""
    last = max(0, (total - 1) // page.per_page) if total else 0
    return {
        "primeira_pagina": 0,
        "ultima_pagina": last,
        "pagina_atual": page.page,
        "total_registros": total,
    }


def page_answer(page: PageRequest, found: Sequence[T], name: str, shape: Callable[[T], Any]) -> Payload:
    """A paged list's answer: ``page`` of everything ``found``, each item shaped, under ``name``, and the
    ``paginacao`` block."""
    return success("Dados consultados com sucesso.", **{name: [shape(item) for item in page.of(found)]},
                   paginacao=paginacao(page, len(found)))


def read_relations(fields: Fields, field: TextList, known: tuple[str, ...]) -> frozenset[str]:
    """The ``relacoes`` a list is asked to load, among ``known``; an unknown one is an error in ``fields``."""
    asked = {r.strip() for r in field.read(fields)}
    unknown = sorted(asked - set(known))
    if unknown:
        fields.error(f"O campo relacoes tem relação inválida ({', '.join(unknown)[:80]}). "
                     f"Relações aceitas: {', '.join(known)}.")
    return frozenset(asked & set(known))
