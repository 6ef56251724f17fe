"""The product as a user runs it: ``python -m sandbox serve`` as a real process."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from chalicelib.auth.model import ACCESS_TOKEN_SECONDS
from sandbox.aws import free_port

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"grant_type": "password", "client_id": "1", "client_secret": "segredo-local",
               "username": "admin", "password": "admin12345"}


@dataclass
class RunningStack:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    state: dict[str, Any]


def stack_env(tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PORT=str(port), SANDBOX_STATE_DIR=str(tmp), PASSWORD_HASH_PROFILE="fast",
               SANDBOX_RETRY_SECONDS="0.5", PYTHONUNBUFFERED="1")
    for name in ("ADMIN_USERNAME", "ADMIN_PASSWORD", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET"):
        env.pop(name, None)
    return env


def start(env: dict[str, str], log: Path | None = None) -> subprocess.Popen[str]:
    """The stack as a process; a long-lived one writes to ``log``: a pipe nobody reads fills up
    (about 64 KB of log lines) and then blocks the stack."""
    output = log.open("w") if log is not None else subprocess.PIPE
    return subprocess.Popen([sys.executable, "-m", "sandbox", "serve"], cwd=ROOT, env=env, text=True,
                            stdout=output, stderr=subprocess.STDOUT)


@contextmanager
def running_stack(tmp: Path, **extra_env: str) -> Iterator[RunningStack]:
    """``python -m sandbox serve`` on a free port, its log in ``tmp/stack.log``, until the block ends."""
    port = free_port()
    env = {**stack_env(tmp, port), **extra_env}
    log = tmp / "stack.log"
    process = start(env, log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/health", timeout=1).ok and (tmp / "run.json").exists():
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"a pilha local não subiu:\n{log.read_text()}")
        time.sleep(0.2)
    try:
        yield RunningStack(url, env, process, json.loads((tmp / "run.json").read_text()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def read_until_closed(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def token(stack: RunningStack) -> str:
    return str(requests.post(f"{stack.url}/oauth/token", json=CREDENTIALS, timeout=10).json()["access_token"])


def test_health(stack: RunningStack) -> None:
    answer = requests.get(f"{stack.url}/health", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


@pytest.mark.parametrize("as_form", [False, True])
def test_token_with_json_and_form(stack: RunningStack, as_form: bool) -> None:
    send = {"data": CREDENTIALS} if as_form else {"json": CREDENTIALS}
    answer = requests.post(f"{stack.url}/oauth/token", timeout=10, **send)  # type: ignore[arg-type]
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == ACCESS_TOKEN_SECONDS
    assert body["access_token"] and body["refresh_token"]


def test_bad_password(stack: RunningStack) -> None:
    answer = requests.post(f"{stack.url}/oauth/token", json={**CREDENTIALS, "password": "x"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_credentials"


def test_create_and_find_a_customer(stack: RunningStack) -> None:
    headers = {"Authorization": f"Bearer {token(stack)}"}
    created = requests.post(f"{stack.url}/api/v1/integracao/cliente", headers=headers, timeout=10, json={
        "nome_razaosocial": "Joana Prado", "cpf_cnpj": "111.444.777-35", "telefone_primario": "19987654321",
        "servicos": [{"nome": "Fibra", "valor": 89.9, "endereco_instalacao": {
            "logradouro": "Av. Brasil", "numero": "100", "bairro": "Jardim", "cidade": "Campinas", "uf": "SP",
            "cep": "13020000"}}]}).json()
    assert created["status"] == "success", created
    found = requests.get(f"{stack.url}/api/v1/integracao/cliente", headers=headers, timeout=10,
                         params={"busca": "cpf_cnpj", "termo_busca": "11144477735"}).json()
    assert [c["id_cliente"] for c in found["clientes"]] == [created["cliente"]["id_cliente"]]


def test_unknown_route_is_404_in_the_envelope(stack: RunningStack) -> None:
    answer = requests.get(f"{stack.url}/api/v1/integracao/nao_existe", timeout=5)
    assert answer.status_code == 404
    assert answer.json() == {"status": "error", "msg": "Rota não encontrada.", "errors": []}


def test_a_password_in_the_query_string_is_refused_and_never_logged(stack: RunningStack) -> None:
    secret = "senha-na-url-7b3e9d"
    body = {k: v for k, v in CREDENTIALS.items() if k != "password"}
    answer = requests.post(f"{stack.url}/oauth/token", params={"password": secret}, json=body, timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "error" and secret not in answer.text
    assert "password" in " ".join(answer.json()["errors"])
    for method in ("TRACE", "QUERY"):  # http.server's own 501 page, before: the app's 405 now
        other = requests.request(method, f"{stack.url}/oauth/token?password={secret}", timeout=10)
        assert other.status_code == 405 and other.json()["status"] == "error"
    log = Path(stack.env["SANDBOX_STATE_DIR"]) / "stack.log"
    assert "/oauth/token" in log.read_text() and secret not in log.read_text()


def test_protected_route_without_token(stack: RunningStack) -> None:
    assert requests.get(f"{stack.url}/api/v1/integracao/configuracao/tecnico", timeout=5).status_code == 401


def test_huge_body_is_refused_unread(stack: RunningStack) -> None:
    host, port = stack.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /api/v1/integracao/cliente HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/json\r\nContent-Length: 20971520\r\n\r\n{")
        reply = read_until_closed(connection).decode("utf-8")
    assert "Connection: close" in reply
    assert reply.startswith("HTTP/1.1 413") or reply.startswith("HTTP/1.0 413"), reply
    assert json.loads(reply.split("\r\n\r\n", 1)[1])["status"] == "error"


def raw_reply(stack: RunningStack, head: bytes) -> tuple[int, dict[str, str]]:
    """Status and headers of what the server answers to ``head`` (sent as it is, body unread)."""
    host, port = stack.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head)
        reply = read_until_closed(connection).decode("utf-8")
    status_line, *lines = reply.split("\r\n\r\n", 1)[0].split("\r\n")
    return int(status_line.split()[1]), dict(line.split(": ", 1) for line in lines)


def test_the_gateways_own_answers_have_the_security_headers(stack: RunningStack) -> None:
    from chalicelib.web.security_headers import SECURITY_HEADERS

    unknown = requests.get(f"{stack.url}/nao/existe", timeout=5)
    too_large = raw_reply(stack, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 20971520\r\n\r\n")
    chunked = raw_reply(stack, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    answered = requests.get(f"{stack.url}/health", timeout=5)
    for status, headers in ((unknown.status_code, unknown.headers), too_large, chunked,
                            (answered.status_code, answered.headers)):
        assert {name: headers.get(name) for name in SECURITY_HEADERS} == dict(SECURITY_HEADERS), status
    assert [unknown.status_code, too_large[0], chunked[0], answered.status_code] == [404, 413, 411, 200]


def test_second_start_on_a_busy_port_says_so(stack: RunningStack) -> None:
    second = subprocess.run([sys.executable, "-m", "sandbox", "serve"], cwd=ROOT, env=stack.env, text=True,
                            capture_output=True, timeout=30)
    assert second.returncode == 1
    assert "já está em uso" in second.stderr and "Traceback" not in second.stderr


def test_a_busy_port_asked_for_by_variable_is_refused_before_anything_starts(stack: RunningStack) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {**stack.env, "PORT": str(free_port()), "AWS_PORT": str(busy.getsockname()[1])}
        second = subprocess.run([sys.executable, "-m", "sandbox", "serve"], cwd=ROOT, env=env, text=True,
                                capture_output=True, timeout=30)
    assert second.returncode == 1
    assert "AWS_PORT" in second.stderr and "já está em uso" in second.stderr and "Traceback" not in second.stderr


def test_simulators_answer_their_health_check(stack: RunningStack) -> None:
    assert set(stack.state["simulators"]) == {"cielo", "getnet", "zapme"}
    for name, url in stack.state["simulators"].items():
        answer = requests.get(f"{url}/health", timeout=5)
        assert answer.status_code == 200 and answer.json() == {"status": "ok", "simulador": name}


def test_tick_runs_against_the_running_stack(stack: RunningStack) -> None:
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", "2026-12-10T10:00:00-03:00"], cwd=ROOT,
                          env=stack.env, text=True, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hora_local"] == "2026-12-10T10"


@pytest.mark.parametrize("at", ["amanhã", "2026-12-10T10:00:00", "9999-12-31T23:00:00-03:00"])
def test_tick_refuses_a_bad_instant(stack: RunningStack, at: str) -> None:
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", at], cwd=ROOT, env=stack.env,
                          text=True, capture_output=True, timeout=60)
    assert done.returncode == 2 and "--at inválido" in done.stderr


def test_tick_without_a_running_stack_says_so(tmp_path: Path) -> None:
    env = stack_env(tmp_path, free_port())
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", "2026-12-10T10:00:00-03:00"], cwd=ROOT,
                          env=env, text=True, capture_output=True, timeout=60)
    assert done.returncode == 2 and "não está em execução" in done.stderr


def test_a_message_no_consumer_handles_is_retried_then_dead_lettered(stack: RunningStack) -> None:
    sqs = boto3.client("sqs", endpoint_url=stack.state["aws_endpoint"], region_name=stack.state["region"],
                       aws_access_key_id="x", aws_secret_access_key="x")
    url = sqs.get_queue_url(QueueName="isp-charges")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="isp-charges-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"type": "desconhecido", "id": "1", "payload": {}}))
    deadline = time.monotonic() + 40  # 5 receives with a 1, 1, 2, 4 s local backoff
    dead: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not dead:
        attributes = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
        if int(attributes["ApproximateNumberOfMessages"]):
            dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages", [])
        time.sleep(0.5)
    assert dead, "a mensagem não chegou à fila de mensagens mortas"
    assert json.loads(dead[0]["Body"])["type"] == "desconhecido"
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 5


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = start(stack_env(tmp_path, port))
    deadline = time.monotonic() + 60
    while not (tmp_path / "run.json").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Pilha local parada." in output and "Traceback" not in output
    assert not (tmp_path / "run.json").exists()


def test_outbox_rows_reach_the_notifications_queue_through_the_stream(stack: RunningStack) -> None:
    endpoint, region = stack.state["aws_endpoint"], stack.state["region"]
    keys = {"region_name": region, "endpoint_url": endpoint, "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    event = {"type": "os_agendada", "id": "evento-de-teste", "payload": {"id_ordem_servico": 1}}
    boto3.client("dynamodb", **keys).put_item(TableName="isp-service_orders", Item={
        "pk": {"S": "OUTBOX"}, "sk": {"S": "2026-12-14T12:00:00+00:00#evento-de-teste"}, "kind": {"S": "outbox"},
        "body": {"S": json.dumps(event)}})
    # The notifications consumer takes it from the queue and records it (ZapMe is not configured here).
    headers = {"Authorization": f"Bearer {token(stack)}"}
    deadline = time.monotonic() + 20
    logged: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not logged:
        answer = requests.get(f"{stack.url}/api/v1/integracao/notificacao/mensagem", headers=headers, timeout=10)
        logged = [m for m in answer.json()["mensagens"] if m["id"] == "evento-de-teste"]
        time.sleep(0.3)
    assert logged, "o evento do outbox não chegou ao consumidor de notificações"
    assert (logged[0]["evento"], logged[0]["status"]) == ("os_agendada", "ignorada")
