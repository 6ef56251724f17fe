"""The product as a user runs it: ``python -m sandbox serve`` as a real process."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from chalicelib.auth.model import ACCESS_TOKEN_SECONDS
from sandbox.aws import free_port
from tests.support.stack import CREDENTIALS, ROOT, RunningStack, stack_env, start, token


def read_until_closed(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_health(local_stack: RunningStack) -> None:
    answer = requests.get(f"{local_stack.url}/health", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


@pytest.mark.parametrize("as_form", [False, True])
def test_token_with_json_and_form(local_stack: RunningStack, as_form: bool) -> None:
    send = {"data": CREDENTIALS} if as_form else {"json": CREDENTIALS}
    answer = requests.post(f"{local_stack.url}/oauth/token", timeout=10, **send)  # type: ignore[arg-type]
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == ACCESS_TOKEN_SECONDS
    assert body["access_token"] and body["refresh_token"]


def test_bad_password(local_stack: RunningStack) -> None:
    answer = requests.post(f"{local_stack.url}/oauth/token", json={**CREDENTIALS, "password": "x"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_credentials"


def test_create_and_find_a_customer(local_stack: RunningStack) -> None:
    headers = {"Authorization": f"Bearer {token(local_stack)}"}
    created = requests.post(f"{local_stack.url}/api/v1/integracao/cliente", headers=headers, timeout=10, json={
        "nome_razaosocial": "Joana Prado", "cpf_cnpj": "111.444.777-35", "telefone_primario": "19987654321",
        "servicos": [{"nome": "Fibra", "valor": 89.9, "endereco_instalacao": {
            "logradouro": "Av. Brasil", "numero": "100", "bairro": "Jardim", "cidade": "Campinas", "uf": "SP",
            "cep": "13020000"}}]}).json()
    assert created["status"] == "success", created
    found = requests.get(f"{local_stack.url}/api/v1/integracao/cliente", headers=headers, timeout=10,
                         params={"busca": "cpf_cnpj", "termo_busca": "11144477735"}).json()
    assert [c["id_cliente"] for c in found["clientes"]] == [created["cliente"]["id_cliente"]]


def test_unknown_route_is_404_in_the_envelope(local_stack: RunningStack) -> None:
    answer = requests.get(f"{local_stack.url}/api/v1/integracao/nao_existe", timeout=5)
    assert answer.status_code == 404
    assert answer.json() == {"status": "error", "msg": "Rota GET nao_existe não disponível nesta instalação.",
                             "errors": []}
    outside = requests.post(f"{local_stack.url}/api/v2/outra", timeout=5)
    assert (outside.status_code, outside.json()["msg"]) == (404, "Rota não encontrada.")


def test_a_route_not_served_answers_the_envelope_for_any_method(local_stack: RunningStack) -> None:
    for method in ("GET", "POST", "DELETE"):
        answer = requests.request(method, f"{local_stack.url}/api/v1/integracao/cliente/extrato_conexao",
                                  params={"busca": "login", "termo_busca": "maria"}, timeout=5)
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "error"
        assert body["msg"] == f"Rota {method} cliente/extrato_conexao não disponível nesta instalação."


def test_a_password_in_the_query_string_is_refused_and_never_logged(local_stack: RunningStack) -> None:
    secret = "senha-na-url-7b3e9d"
    body = {k: v for k, v in CREDENTIALS.items() if k != "password"}
    answer = requests.post(f"{local_stack.url}/oauth/token", params={"password": secret}, json=body, timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "error" and secret not in answer.text
    assert "password" in " ".join(answer.json()["errors"])
    for method in ("TRACE", "QUERY"):  # http.server's own 501 page, before: the app's 405 now
        other = requests.request(method, f"{local_stack.url}/oauth/token?password={secret}", timeout=10)
        assert other.status_code == 405 and other.json()["status"] == "error"
    log = Path(local_stack.env["SANDBOX_STATE_DIR"]) / "stack.log"
    assert "/oauth/token" in log.read_text() and secret not in log.read_text()


def test_protected_route_without_token(local_stack: RunningStack) -> None:
    assert requests.get(f"{local_stack.url}/api/v1/integracao/configuracao/tecnico", timeout=5).status_code == 401


def test_huge_body_is_refused_unread(local_stack: RunningStack) -> None:
    host, port = local_stack.url.removeprefix("http://").split(":")
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


def test_the_gateways_own_answers_have_the_security_headers(local_stack: RunningStack) -> None:
    from chalicelib.web.security_headers import SECURITY_HEADERS

    unknown = requests.get(f"{local_stack.url}/nao/existe", timeout=5)
    too_large = raw_reply(local_stack, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 20971520\r\n\r\n")
    chunked = raw_reply(local_stack, b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    answered = requests.get(f"{local_stack.url}/health", timeout=5)
    for status, headers in ((unknown.status_code, unknown.headers), too_large, chunked,
                            (answered.status_code, answered.headers)):
        assert {name: headers.get(name) for name in SECURITY_HEADERS} == dict(SECURITY_HEADERS), status
    assert [unknown.status_code, too_large[0], chunked[0], answered.status_code] == [404, 413, 411, 200]


def test_second_start_on_a_busy_port_says_so(local_stack: RunningStack) -> None:
    second = subprocess.run([sys.executable, "-m", "sandbox", "serve"], cwd=ROOT, env=local_stack.env, text=True,
                            capture_output=True, timeout=30)
    assert second.returncode == 1
    assert "já está em uso" in second.stderr and "Traceback" not in second.stderr


def test_a_busy_port_asked_for_by_variable_is_refused_before_anything_starts(local_stack: RunningStack) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {**local_stack.env, "PORT": str(free_port()), "AWS_PORT": str(busy.getsockname()[1])}
        second = subprocess.run([sys.executable, "-m", "sandbox", "serve"], cwd=ROOT, env=env, text=True,
                                capture_output=True, timeout=30)
    assert second.returncode == 1
    assert "AWS_PORT" in second.stderr and "já está em uso" in second.stderr and "Traceback" not in second.stderr


def test_simulators_answer_their_health_check(local_stack: RunningStack) -> None:
    assert set(local_stack.state["simulators"]) == {"cielo", "getnet", "zapme"}
    for name, url in local_stack.state["simulators"].items():
        answer = requests.get(f"{url}/health", timeout=5)
        assert answer.status_code == 200 and answer.json() == {"status": "ok", "simulador": name}


def test_tick_runs_against_the_running_stack(local_stack: RunningStack) -> None:
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", "2026-12-10T10:00:00-03:00"], cwd=ROOT,
                          env=local_stack.env, text=True, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hora_local"] == "2026-12-10T10"


@pytest.mark.parametrize("at", ["amanhã", "2026-12-10T10:00:00", "9999-12-31T23:00:00-03:00"])
def test_tick_refuses_a_bad_instant(local_stack: RunningStack, at: str) -> None:
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", at], cwd=ROOT, env=local_stack.env,
                          text=True, capture_output=True, timeout=60)
    assert done.returncode == 2 and "--at inválido" in done.stderr


def test_tick_without_a_running_stack_says_so(tmp_path: Path) -> None:
    env = stack_env(tmp_path, free_port())
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", "2026-12-10T10:00:00-03:00"], cwd=ROOT,
                          env=env, text=True, capture_output=True, timeout=60)
    assert done.returncode == 2 and "não está em execução" in done.stderr


def test_a_message_no_consumer_handles_is_retried_then_dead_lettered(local_stack: RunningStack) -> None:
    sqs = boto3.client("sqs", endpoint_url=local_stack.state["aws_endpoint"], region_name=local_stack.state["region"],
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


def test_outbox_rows_reach_the_notifications_queue_through_the_stream(local_stack: RunningStack) -> None:
    endpoint, region = local_stack.state["aws_endpoint"], local_stack.state["region"]
    keys = {"region_name": region, "endpoint_url": endpoint, "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    event = {"type": "os_agendada", "id": "evento-de-teste", "payload": {"id_ordem_servico": 1}}
    boto3.client("dynamodb", **keys).put_item(TableName="isp-service_orders", Item={
        "pk": {"S": "OUTBOX"}, "sk": {"S": "2026-12-14T12:00:00+00:00#evento-de-teste"}, "kind": {"S": "outbox"},
        "body": {"S": json.dumps(event)}})
    # The notifications consumer takes it from the queue and records it (ZapMe is not configured here).
    headers = {"Authorization": f"Bearer {token(local_stack)}"}
    deadline = time.monotonic() + 20
    logged: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not logged:
        answer = requests.get(f"{local_stack.url}/api/v1/integracao/notificacao/mensagem", headers=headers, timeout=10)
        logged = [m for m in answer.json()["mensagens"] if m["id"] == "evento-de-teste"]
        time.sleep(0.3)
    assert logged, "o evento do outbox não chegou ao consumidor de notificações"
    assert (logged[0]["evento"], logged[0]["status"]) == ("os_agendada", "ignorada")
