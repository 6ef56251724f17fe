"""Starts and stops the whole local stack, in dependency order."""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from chalice.config import Config

from chalicelib.config import (
    DEFAULT_ZAPME_ALLOWED_HOSTS,
    ENV_CONSOLE_CLIENT_ID,
    ENV_CONSOLE_CLIENT_SECRET,
    ENV_ZAPME_ALLOWED_HOSTS,
    ENV_ZAPME_URL,
    load_settings,
)
from chalicelib.container import build_container, set_container
from chalicelib.errors import DomainError
from chalicelib.queues import LOGICAL_QUEUES, QUEUE_BATCH, queue_name
from infra.definition import STREAM_CONSUMERS, create_resources
from sandbox.aws import LocalAws, point_environment_at, requested_port
from sandbox.errors import StartupError
from sandbox.gateway import ApiServer
from sandbox.simulators import ALL as SIMULATORS
from sandbox.simulators.base import Simulator
from sandbox.workers import DEFAULT_RETRY_SECONDS, HourlyTimer, QueuePoller, StreamPoller

logger = logging.getLogger(__name__)

DEFAULTS = {
    "ADMIN_USERNAME": "admin",
    "ADMIN_PASSWORD": "admin12345",
    "OAUTH_CLIENT_ID": "1",
    "OAUTH_CLIENT_SECRET": "segredo-local",
}
CONSUMERS = {"charges": "charge_consumer", "notifications": "notification_consumer"}
PROJECT_DIR = Path(__file__).resolve().parent.parent


def state_file() -> Path:
    return Path(os.environ.get("SANDBOX_STATE_DIR") or PROJECT_DIR / ".sandbox") / "run.json"


def env_port(name: str) -> int:
    """The port asked for in ``name``, or 0 (the OS picks a free one)."""
    return requested_port(name) or 0


def optional_ports() -> list[str]:
    """The variables that may pin a port of the stack besides ``PORT``."""
    return ["AWS_PORT", *(simulator.port_variable() for simulator in SIMULATORS)]


@dataclass
class LocalStack:
    api_port: int
    retry_base: float = DEFAULT_RETRY_SECONDS
    stop_event: threading.Event = field(default_factory=threading.Event)
    aws: LocalAws | None = None
    api: ApiServer | None = None
    simulators: list[Simulator] = field(default_factory=list)
    workers: list[threading.Thread] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        self.aws = LocalAws(env_port("AWS_PORT"))
        self.aws.start()
        point_environment_at(self.aws.endpoint)
        for simulator_class in SIMULATORS:
            simulator = simulator_class(env_port(simulator_class.port_variable())).start()
            self.simulators.append(simulator)
            for variable in simulator.env_urls:
                os.environ[variable] = simulator.url
            if ENV_ZAPME_URL in simulator.env_urls:
                # The simulator is plain http on loopback: only the local stack lists it, by its exact origin.
                listed = os.environ.get(ENV_ZAPME_ALLOWED_HOSTS) or DEFAULT_ZAPME_ALLOWED_HOSTS
                os.environ[ENV_ZAPME_ALLOWED_HOSTS] = f"{listed},{simulator.url}"
        session = boto3.session.Session(region_name=os.environ["AWS_REGION"])
        created = create_resources(session, self.aws.endpoint)
        container = build_container(load_settings())
        set_container(container)
        self._bootstrap(container)

        import app as app_module  # after the environment points at moto

        self.api = ApiServer(app_module.app, _chalice_config(), "127.0.0.1", self.api_port)
        self.api.start()
        sqs = session.client("sqs", endpoint_url=self.aws.endpoint)
        for logical in LOGICAL_QUEUES:
            url = created["queues"][logical]["url"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            function = CONSUMERS[logical]
            self.workers.append(QueuePoller(sqs, url, arn, function, getattr(app_module, function),
                                            self.stop_event, self.retry_base, QUEUE_BATCH[logical]))
        streams = session.client("dynamodbstreams", endpoint_url=self.aws.endpoint)
        for consumer in STREAM_CONSUMERS:
            self.workers.append(StreamPoller(streams, created["streams"][consumer.table], consumer.function,
                                             getattr(app_module, consumer.function), self.stop_event,
                                             self.retry_base))
        self.workers.append(HourlyTimer(app_module.hourly_tick, self.stop_event))
        for worker in self.workers:
            worker.start()
        self._write_state()

    def _bootstrap(self, container: Any) -> None:
        values = {name: os.environ.get(name) or default for name, default in DEFAULTS.items()}
        try:
            container.auth.ensure_admin(values["ADMIN_USERNAME"], values["ADMIN_PASSWORD"])
        except DomainError as exc:
            raise StartupError(f"ADMIN_USERNAME/ADMIN_PASSWORD recusados: {_reasons(exc)}") from exc
        try:
            container.auth.ensure_client(values["OAUTH_CLIENT_ID"], values["OAUTH_CLIENT_SECRET"], "Cliente local")
        except DomainError as exc:
            raise StartupError(f"OAUTH_CLIENT_ID/OAUTH_CLIENT_SECRET recusados: {_reasons(exc)}") from exc
        self.credentials = values
        # The web console served at / logs in with the local OAuth client unless told otherwise.
        os.environ.setdefault(ENV_CONSOLE_CLIENT_ID, values["OAUTH_CLIENT_ID"])
        os.environ.setdefault(ENV_CONSOLE_CLIENT_SECRET, values["OAUTH_CLIENT_SECRET"])

    def banner(self) -> str:
        assert self.aws is not None and self.api is not None
        defaults = [name for name in ("ADMIN_PASSWORD", "OAUTH_CLIENT_SECRET") if not os.environ.get(name)]
        timer = next(w for w in self.workers if isinstance(w, HourlyTimer))
        zone = load_settings().zone
        lines = [
            "Pilha local do back end do provedor em execução:",
            f"  API .................. {self.api.url}   (saúde: {self.api.url}/health)",
            f"  Console web .......... {self.api.url}/",
            f"  AWS (moto) ........... {self.aws.endpoint}   (DynamoDB, SQS, KMS)",
        ]
        lines += [f"  Simulador {s.name:<10} . {s.url}" for s in self.simulators]
        lines += [
            f"  Filas consumidas ..... {', '.join(queue_name(q) for q in LOGICAL_QUEUES)}",
            f"  Próximo tick ......... {timer.next_run:%Y-%m-%d %H:%M} UTC "
            f"({timer.next_run.astimezone(zone):%H:%M} em {zone.key})",
            f"  Usuário admin ........ {self.credentials['ADMIN_USERNAME']}",
            f"  OAuth client_id ...... {self.credentials['OAUTH_CLIENT_ID']}",
        ]
        if defaults:
            lines.append(f"  {' e '.join(defaults)}: os padrões documentados no README (defina-os para trocar).")
        lines.append("Pressione Ctrl-C para parar.")
        return "\n".join(lines)

    def stop(self) -> None:
        self.stop_event.set()
        if self.api:
            self.api.stop()
        for worker in self.workers:
            if worker.is_alive():
                worker.join(timeout=5)
        for simulator in self.simulators:
            simulator.stop()
        if self.aws:
            self.aws.stop()
        set_container(None)
        _remove_own_state(state_file())

    def _write_state(self) -> None:
        assert self.aws is not None and self.api is not None
        path = state_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")  # written whole, then renamed: a reader never sees half of it
        partial.write_text(json.dumps({
            "pid": os.getpid(),
            "api_url": self.api.url,
            "aws_endpoint": self.aws.endpoint,
            "region": os.environ["AWS_REGION"],
            "simulators": {s.name: s.url for s in self.simulators},
        }, indent=2))
        partial.replace(path)


def _reasons(exc: DomainError) -> str:
    return " ".join([exc.message, *exc.errors])


def _remove_own_state(path: Path) -> None:
    """Remove the run file unless another instance has since written its own."""
    try:
        owner = json.loads(path.read_text()).get("pid")
    except (OSError, ValueError, AttributeError):
        return
    if owner == os.getpid():
        path.unlink(missing_ok=True)


def _chalice_config() -> Config:
    config_path = PROJECT_DIR / ".chalice" / "config.json"
    return Config(chalice_stage="dev", config_from_disk=json.loads(config_path.read_text()))
