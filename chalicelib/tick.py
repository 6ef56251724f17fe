"""The hourly tick: the scheduled entry point that finds due work and fans it
out to the queues. It takes "now" from the scheduled event, so any run can be
replayed for a given hour (``sandbox tick --at``).

Capabilities register jobs (billing will add "enqueue due charges"); each job
must be idempotent on its own, because EventBridge and Lambda may deliver a
tick twice and an operator may replay one.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

TickJob = Callable[[datetime], Mapping[str, Any]]


class TickRuns(Protocol):
    def record(self, hour: str, at: datetime, report: dict[str, Any]) -> int: ...


@dataclass(frozen=True)
class TickReport:
    at: datetime
    local_hour: str
    runs_this_hour: int
    jobs: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agora": self.at.isoformat(),
            "hora_local": self.local_hour,
            "execucoes_nesta_hora": self.runs_this_hour,
            "tarefas": {name: dict(summary) for name, summary in self.jobs.items()},
        }


def parse_event_time(value: str) -> datetime:
    """EventBridge's ``time`` (``2026-12-10T13:00:00Z``) as an aware datetime."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"event time without offset: {value!r}")
    return moment


def run_tick(at: datetime, zone: ZoneInfo, jobs: Mapping[str, TickJob], runs: TickRuns) -> TickReport:
    """Run every job for the instant ``at``; a failing job does not stop the others."""
    local = at.astimezone(zone)
    results: dict[str, Mapping[str, Any]] = {}
    failures = []
    for name, job in jobs.items():
        try:
            results[name] = job(at)
        except Exception:  # noqa: BLE001 - report and keep going; re-raised below
            logger.exception("tick job failed", extra={"job": name, "at": at.isoformat()})
            failures.append(name)
            results[name] = {"erro": True}
    hour = local.strftime("%Y-%m-%dT%H")
    count = runs.record(hour, at, {k: dict(v) for k, v in results.items()})
    report = TickReport(at=at, local_hour=hour, runs_this_hour=count, jobs=results)
    logger.info("tick done", extra={"report": report.as_dict()})
    if failures:
        raise RuntimeError(f"tarefas do tick com falha: {', '.join(failures)}")
    return report
