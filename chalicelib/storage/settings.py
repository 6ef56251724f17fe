"""Provider-wide records in the ``settings`` table: suspension profiles
(looked up here; created by the billing capability), hourly tick runs and
the installation's own identity."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.billing.suspension.service import SuspensionProfile
from chalicelib.storage.binding import transaction
from chalicelib.storage.errors import written
from chalicelib.storage.models import InstallationItem, SettingsItem, SuspensionProfileItem, TickRunItem

PROFILES = "PERFIL_SUSPENSAO"


class DynamoSuspensionProfiles:
    def add(self, profile: SuspensionProfile) -> None:
        """A new default profile replaces the old one in the same transaction."""
        item = SuspensionProfileItem(PROFILES, f"{profile.id:010d}", profile_id=profile.id,
                                     description=profile.description, warning_days=profile.warning_days,
                                     suspension_days=profile.suspension_days, default=profile.default)
        previous = [p for p in self.all() if p.default] if profile.default else []
        with transaction() as txn:
            txn.save(item, condition=SettingsItem.pk.does_not_exist())
            for old in previous:
                txn.update(SuspensionProfileItem(PROFILES, f"{old.id:010d}"),
                           actions=[SuspensionProfileItem.default.set(False)])

    def get(self, profile_id: int) -> SuspensionProfile | None:
        try:
            return _profile(SuspensionProfileItem.get(PROFILES, f"{profile_id:010d}"))
        except SuspensionProfileItem.DoesNotExist:
            return None

    def all(self) -> list[SuspensionProfile]:
        return [_profile(i) for i in SettingsItem.query(PROFILES) if isinstance(i, SuspensionProfileItem)]

    def exists(self, profile_id: int) -> bool:
        return self.get(profile_id) is not None


def _profile(item: SuspensionProfileItem) -> SuspensionProfile:
    return SuspensionProfile(int(item.profile_id), item.description, int(item.warning_days),
                             int(item.suspension_days), bool(item.default))


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


class DynamoInstallation:
    """The installation's order-id prefix: written once, by the first writer; re-created tables get a new one."""

    def order_prefix(self, proposed: str) -> str:
        """The stored prefix; ``proposed`` becomes it when there is none yet."""
        try:
            return str(InstallationItem.get("INSTALACAO", "ID", consistent_read=True).order_prefix)
        except InstallationItem.DoesNotExist:
            pass
        first = InstallationItem("INSTALACAO", "ID", order_prefix=proposed, created_at=datetime.now(UTC))
        if written(lambda: first.save(condition=SettingsItem.pk.does_not_exist())):
            return proposed
        return str(InstallationItem.get("INSTALACAO", "ID", consistent_read=True).order_prefix)
