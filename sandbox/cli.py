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

from chalicelib.input_rules import MAX_DATE, MIN_DATE, date_in_range
from chalicelib.observability import ContextFilter
from sandbox.aws import point_environment_at, port_is_free, requested_port
from sandbox.errors import StartupError
from sandbox.lambda_events import context, scheduled_event
from sandbox.stack import LocalStack, optional_ports, state_file
from sandbox.workers import retry_base_seconds

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8000

# argparse's own words (usage, errors, -h), in Portuguese like the rest of the CLI.
_ARGPARSE_PT = {
    "usage: ": "uso: ",
    "options": "opções",
    "positional arguments": "argumentos",
    "show this help message and exit": "mostra esta ajuda e sai",
    "the following arguments are required: %s": "faltam os argumentos: %s",
    "unrecognized arguments: %s": "argumentos não reconhecidos: %s",
    "expected one argument": "esperava um valor",
    "invalid choice: %(value)r (choose from %(choices)s)": "opção inválida: %(value)r (escolha entre %(choices)s)",
    "ambiguous option: %(option)s could match %(matches)s": "opção ambígua: %(option)s pode ser %(matches)s",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: erro: %(message)s\n",
}


def _parser() -> argparse.ArgumentParser:
    setattr(argparse, "_", lambda text: _ARGPARSE_PT.get(text, text))  # noqa: B010 - argparse reads it at call time
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Pilha local do back end do provedor.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="comando")
    commands.add_parser("serve", help="roda API, tick de hora em hora, consumidores das filas e simuladores",
                        description="Roda o produto inteiro nesta máquina, sem conta AWS (PORT, padrão 8000).")
    tick = commands.add_parser("tick", help="roda o tick horário uma vez contra a pilha em execução",
                               description="Roda o tick horário uma vez, com --at como 'agora', contra a pilha "
                                           "local em execução; as cobranças saem pelos consumidores dela.")
    tick.add_argument("--at", required=True, metavar="ISO",
                      help="o instante tomado como 'agora', ISO 8601 com fuso, ex.: 2026-12-10T10:00:00-03:00")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    # Plain text locally (read by a person in a terminal), with the correlation id of the request, message
    # or tick that logged the line; deployed functions log JSON (chalicelib.observability).
    logging.basicConfig(level=level if isinstance(logging.getLevelName(level), int) else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(ContextFilter(default_correlation_id="-"))
    for noisy in ("botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "serve":
            return serve()
        return run_tick(args.at)
    except StartupError as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_code


def serve() -> int:
    port = requested_port("PORT") or DEFAULT_PORT
    retry_base = retry_base_seconds()
    _check_ports(port)
    owner = _running_stack(state_file())
    if owner is not None:
        raise StartupError(f"Já há uma pilha local em execução (pid {owner['pid']}, API em {owner['api_url']}), "
                           f"registrada em {state_file()}. Pare-a com Ctrl-C ou use outro SANDBOX_STATE_DIR.")
    stack = LocalStack(api_port=port, retry_base=retry_base)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
    except Exception as exc:  # noqa: BLE001 - whatever failed, stop what started and say why
        if not isinstance(exc, (StartupError, OSError)):
            logger.exception("local stack failed to start")
        stack.stop()
        reason = exc.message if isinstance(exc, StartupError) else str(exc)
        print(f"Não foi possível iniciar a pilha local: {reason}", file=sys.stderr)
        return 1
    print(stack.banner(), flush=True)
    stopping.wait()
    print("Parando a pilha local...", flush=True)
    stack.stop()
    print("Pilha local parada.", flush=True)
    return 0


def _check_ports(port: int) -> None:
    """Refuse busy ports before anything starts (moto's server would wait forever on one)."""
    if not port_is_free(port):
        raise StartupError(f"A porta {port} já está em uso (outra instância rodando?). "
                           f"Use PORT={port + 1} python -m sandbox serve.")
    for variable in optional_ports():
        wanted = requested_port(variable)
        if wanted == port:
            raise StartupError(f"A porta {wanted} pedida em {variable} é a mesma da API (PORT). Escolha outra.")
        if wanted is not None and not port_is_free(wanted):
            raise StartupError(f"A porta {wanted} pedida em {variable} já está em uso. "
                               f"Escolha outra ou remova {variable} para usar uma porta livre.")


def run_tick(at_text: str) -> int:
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        print(f"--at inválido: {at_text!r}. Use ISO 8601 com fuso, ex.: 2026-12-10T10:00:00-03:00.",
              file=sys.stderr)
        return 2
    if not date_in_range(at):  # the tick's jobs add days to it
        print(f"--at inválido: {at_text!r}. Use um instante entre {MIN_DATE} e {MAX_DATE}.", file=sys.stderr)
        return 2
    state = _running_stack(state_file())
    if state is None:
        print("A pilha local não está em execução (ou o arquivo de estado está desatualizado). "
              "Inicie-a com ./dev serve (python -m sandbox serve).", file=sys.stderr)
        return 2
    point_environment_at(state["aws_endpoint"], state["region"])

    from chalicelib.config import load_settings
    from chalicelib.container import build_container, set_container

    set_container(build_container(load_settings()))
    import app as app_module

    try:
        report = app_module.hourly_tick(scheduled_event(at), context("hourly_tick"))
    except RuntimeError as exc:  # run_tick ran every job and reports the failed ones
        print(f"O tick terminou com falhas: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _running_stack(path: Path) -> dict[str, str] | None:
    """The run file's content if its process is alive and its moto answers; None otherwise."""
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)
        requests.get(state["aws_endpoint"], timeout=2)
    except (OSError, ValueError, KeyError, TypeError, requests.RequestException):
        return None
    return dict(state)
