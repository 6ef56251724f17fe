"""``python -m infra template [--output infra/resources.json]``

Renders the tables, queues (with their dead-letter queues) and the KMS key of
``infra.definition`` as the CloudFormation fragment that
``chalice package --merge-template infra/resources.json`` merges into the
stage's template. The committed file is checked against this output by
``tests/unit/test_infra_template.py``.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.definition import cloudformation_resources

DEFAULT_OUTPUT = "infra/resources.json"


def render(resources: dict[str, Any]) -> str:
    """The file's exact text: stable key order, UTF-8, trailing newline."""
    return json.dumps(resources, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def template_text() -> str:
    return render(cloudformation_resources())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra", description="Infraestrutura como código do back end.")
    commands = parser.add_subparsers(dest="command", required=True)
    template = commands.add_parser(
        "template", help="imprime o CloudFormation das tabelas, filas e chave (para chalice package --merge-template)"
    )
    template.add_argument("--output", "-o", help=f"grava neste arquivo em vez de imprimir (ex.: {DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)
    if args.command == "template":
        text = template_text()
        if args.output:
            path = Path(args.output)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"Modelo gravado em {path}.", file=sys.stderr)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
