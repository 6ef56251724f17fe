"""Lists the console keeps in its own files, held equal to the API's constants they copy."""
from __future__ import annotations

import re
from pathlib import Path

from chalicelib.tickets.model import CLOSING_REASONS

CONSOLE = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "console_files"


def test_the_ticket_closing_reasons_the_console_offers_are_the_apis() -> None:
    source = (CONSOLE / "cliente_atendimentos.js").read_text(encoding="utf-8")
    listed = re.search(r"export const CLOSING_REASONS = \[(.*?)\];", source, re.S)
    assert listed is not None
    offered = [(int(i), text) for i, text in re.findall(r"\[(\d+), '([^']*)'\]", listed.group(1))]
    assert offered == [(r.id, r.description) for r in CLOSING_REASONS]
