"""``python -m sandbox serve | tick --at ISO``."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

import requests

from sandbox.aws import point_environment_at, port_is_free
from sandbox.lambda_events import context, scheduled_event
from sandbox.stack import LocalStack, state_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Pilha local do back end do provedor.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="roda API, tick de hora em hora, consumidores das filas e simuladores")
    tick = commands.add_parser("tick", help="roda o tick horário uma vez contra a pilha em execução")
    tick.add_argument("--at", required=True, metavar="ISO",
                      help="o instante tomado como 'agora', ISO 8601 com fuso, ex.: 2026-12-10T10:00:00-03:00")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    if args.command == "serve":
        return serve()
    return run_tick(args.at)


def serve() -> int:
    raw_port = os.environ.get("PORT", "8000")
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        print(f"PORT inválida: {raw_port!r}. Use um número entre 1 e 65535.", file=sys.stderr)
        return 2
    port = int(raw_port)
    if not port_is_free(port):
        print(f"A porta {port} já está em uso (outra instância rodando?). "
              f"Use PORT={port + 1} python -m sandbox serve.", file=sys.stderr)
        return 1
    stack = LocalStack(api_port=port)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
    except OSError as exc:
        stack.stop()
        print(f"Não foi possível iniciar a pilha local: {exc}", file=sys.stderr)
        return 1
    print(stack.banner(), flush=True)
    stopping.wait()
    print("Parando a pilha local...", flush=True)
    stack.stop()
    print("Pilha local parada.", flush=True)
    return 0


def run_tick(at_text: str) -> int:
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        print(f"--at inválido: {at_text!r}. Use ISO 8601 com fuso, ex.: 2026-12-10T10:00:00-03:00.",
              file=sys.stderr)
        return 2
    state = _running_stack(state_file())
    if state is None:
        print("A pilha local não está em execução. Inicie-a com ./dev serve (python -m sandbox serve).",
              file=sys.stderr)
        return 2
    point_environment_at(state["aws_endpoint"])
    os.environ["AWS_REGION"] = state["region"]

    from chalicelib.config import load_settings
    from chalicelib.container import build_container, set_container

    set_container(build_container(load_settings()))
    import app as app_module

    report = app_module.hourly_tick(scheduled_event(at), context("hourly_tick"))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _running_stack(path: Path) -> dict[str, str] | None:
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)
        requests.get(state["aws_endpoint"], timeout=2)
    except (OSError, ValueError, KeyError, requests.RequestException):
        return None
    return dict(state)
