"""Provider-wide records in the ``settings`` table: suspension profiles
(their rules are the billing capability's; services are counted on them by
the customers' store), hourly tick runs and the installation's own identity."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.billing.company import Company
from chalicelib.billing.suspension.service import (
    DEFAULT_TRUST_DAYS,
    DEFAULT_TRUST_PER_MONTH,
    DefaultAsRead,
    SuspensionProfile,
)
from chalicelib.storage.binding import LabelledTransaction, commit_labelled
from chalicelib.storage.errors import written
from chalicelib.storage.models import (
    CompanyItem,
    DefaultProfileItem,
    InstallationItem,
    SettingsItem,
    SuspensionProfileItem,
    TickRunItem,
)

PROFILES = "PERFIL_SUSPENSAO"
DEFAULT_SK = "PADRAO"  # the DefaultProfileItem, in the profiles' partition


def profile_item(profile_id: int) -> SuspensionProfileItem:
    """The key of a profile's item (also moved by the customers' store, which counts services on it)."""
    return SuspensionProfileItem(PROFILES, f"{profile_id:010d}")


class DynamoSuspensionProfiles:
    """Profiles (``PERFIL_SUSPENSAO`` / ``<id:010d>``) and the pointer to the default one
    (``PERFIL_SUSPENSAO`` / ``PADRAO``)."""

    def add(self, profile: SuspensionProfile, replacing: DefaultAsRead | None) -> bool:
        item = SuspensionProfileItem(PROFILES, f"{profile.id:010d}", profile_id=profile.id,
                                     description=profile.description, warning_days=profile.warning_days,
                                     suspension_days=profile.suspension_days, default=profile.default,
                                     service_count=0, usage_counted=True, trust_days=profile.trust_days,
                                     trust_per_month=profile.trust_per_month)

        def write(txn: LabelledTransaction[str]) -> None:
            txn.save("profile", item, condition=SettingsItem.pk.does_not_exist())
            if replacing is not None:
                _replace_default(txn, profile.id, replacing)

        return not commit_labelled(write)

    def change(self, profile: SuspensionProfile, replacing: DefaultAsRead | None) -> bool:
        actions: list[Action] = [SuspensionProfileItem.description.set(profile.description),
                                 SuspensionProfileItem.warning_days.set(profile.warning_days),
                                 SuspensionProfileItem.suspension_days.set(profile.suspension_days),
                                 SuspensionProfileItem.trust_days.set(profile.trust_days),
                                 SuspensionProfileItem.trust_per_month.set(profile.trust_per_month)]
        if replacing is not None:
            actions.append(SuspensionProfileItem.default.set(True))

        def write(txn: LabelledTransaction[str]) -> None:
            txn.update("profile", profile_item(profile.id), actions=actions, condition=SettingsItem.pk.exists())
            if replacing is not None:
                _replace_default(txn, profile.id, replacing)

        return not commit_labelled(write)

    def delete(self, profile_id: int) -> bool:
        item = SuspensionProfileItem
        counted = item.usage_counted == True  # noqa: E712 - a DynamoDB condition, not a test
        unused = item.service_count.does_not_exist() | (item.service_count == 0)
        not_default = item.default.does_not_exist() | (item.default == False)  # noqa: E712 - a condition
        def write(txn: LabelledTransaction[str]) -> None:
            # A transaction of one item, so that a collision with an assignment's transaction is sent again.
            txn.delete("profile", profile_item(profile_id), condition=counted & unused & not_default)

        return not commit_labelled(write)

    def get(self, profile_id: int) -> SuspensionProfile | None:
        try:
            return _profile(SuspensionProfileItem.get(PROFILES, f"{profile_id:010d}", consistent_read=True))
        except SuspensionProfileItem.DoesNotExist:
            return None

    def all(self) -> list[SuspensionProfile]:
        return [_profile(i) for i in SettingsItem.query(PROFILES, consistent_read=True)
                if isinstance(i, SuspensionProfileItem)]

    def current_default(self) -> DefaultAsRead:
        pointer: int | None = None
        flagged: list[int] = []
        for item in SettingsItem.query(PROFILES, consistent_read=True):  # the pointer and the profiles at once
            if isinstance(item, DefaultProfileItem):
                pointer = int(item.profile_id)
            elif isinstance(item, SuspensionProfileItem) and item.default:
                flagged.append(int(item.profile_id))
        return DefaultAsRead(pointer, tuple(flagged))

    def finish_usage_count(self) -> int:
        unfinished = [int(i.profile_id) for i in SettingsItem.query(PROFILES, consistent_read=True)
                      if isinstance(i, SuspensionProfileItem) and not i.usage_counted]
        return sum(written(_finishing(profile_id)) for profile_id in unfinished)


def _finishing(profile_id: int) -> Callable[[], object]:
    """The write that marks the profile's count complete (a count never moved yet starts at zero)."""
    return lambda: profile_item(profile_id).update(actions=[
        SuspensionProfileItem.usage_counted.set(True),
        SuspensionProfileItem.service_count.set(SuspensionProfileItem.service_count | 0),
    ], condition=SettingsItem.pk.exists())


def _replace_default(txn: LabelledTransaction[str], profile_id: int, replacing: DefaultAsRead) -> None:
    """Point the default at ``profile_id`` if the pointer is still as read (the condition that makes racing
    changes of the default fail but one), and clear the flags read."""
    still = (SettingsItem.pk.does_not_exist() if replacing.pointer is None
             else DefaultProfileItem.profile_id == replacing.pointer)
    txn.save("default", DefaultProfileItem(PROFILES, DEFAULT_SK, profile_id=profile_id), condition=still)
    for old in replacing.flagged:
        txn.update("previous", profile_item(old), actions=[SuspensionProfileItem.default.set(False)],
                   condition=SuspensionProfileItem.default == True)  # noqa: E712


def _profile(item: SuspensionProfileItem) -> SuspensionProfile:
    return SuspensionProfile(int(item.profile_id), item.description, int(item.warning_days),
                             int(item.suspension_days), bool(item.default),
                             int(item.service_count or 0) if item.usage_counted else None,
                             DEFAULT_TRUST_DAYS if item.trust_days is None else int(item.trust_days),
                             DEFAULT_TRUST_PER_MONTH if item.trust_per_month is None else int(item.trust_per_month))


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


class DynamoCompany:
    """The provider's company data: ``EMPRESA`` / ``DADOS`` (a save replaces it whole)."""

    def company(self) -> Company | None:
        try:
            item = CompanyItem.get("EMPRESA", "DADOS", consistent_read=True)
        except CompanyItem.DoesNotExist:
            return None
        return Company(item.document or "", item.legal_name, item.trade_name)

    def save_company(self, company: Company) -> None:
        CompanyItem("EMPRESA", "DADOS", document=company.document, legal_name=company.legal_name,
                    trade_name=company.trade_name).save()
