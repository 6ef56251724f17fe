"""Provider-wide records in the ``settings`` table: suspension profiles
(looked up here; created by the billing capability) and hourly tick runs."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.storage.models import SettingsItem, TickRunItem


class DynamoSuspensionProfiles:
    def exists(self, profile_id: int) -> bool:
        try:
            SettingsItem.get(f"SUSPENSION_PROFILE#{profile_id}", "PROFILE")
        except SettingsItem.DoesNotExist:
            return False
        return True


class DynamoTickRuns:
    def record(self, hour: str, at: datetime, report: dict[str, Any]) -> int:
        """Count a run of the tick for ``hour``; returns how many runs that hour has had."""
        item = TickRunItem(f"TICK#{hour}", "RUN")
        item.update(actions=[
            TickRunItem.runs.add(1),
            TickRunItem.first_run_at.set(TickRunItem.first_run_at | at),
            TickRunItem.last_run_at.set(at),
            TickRunItem.last_report.set(report),
            TickRunItem.expires.set(at + timedelta(days=90)),
        ])
        return int(item.runs)
