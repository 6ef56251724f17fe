"""The OS API's catalogues in the ``settings`` table: one item per catalogue
(``CATALOGO`` / ``<kind>``) holding its entries by id, so that one query of the
``CATALOGO`` partition reads them all and a catalogue is never seen half
written.

Seeding is a put conditioned on the item's absence (idempotent: a second
seeder, or a seeder racing a first change, writes nothing). An entry is added
by setting its own map path on the condition that the path is absent (a taken
id is refused by DynamoDB, whatever another request did meanwhile) and
changed field by field on the condition that it exists (two edits of
different fields both hold; nothing is read first).
"""
from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.service_orders.catalogues import CatalogueEntry, EntryChange, Kind
from chalicelib.storage.errors import written
from chalicelib.storage.models import CatalogueItem, SettingsItem

PARTITION = "CATALOGO"


class DynamoCatalogueStore:
    def load(self) -> dict[Kind, tuple[CatalogueEntry, ...]]:
        stored: dict[Kind, tuple[CatalogueEntry, ...]] = {}
        for item in SettingsItem.query(PARTITION, consistent_read=True):
            if isinstance(item, CatalogueItem) and item.sk in Kind.__members__.values():
                stored[Kind(item.sk)] = tuple(_entry(key, value) for key, value in _as_dict(item.entries).items())
        return stored

    def seed(self, kind: Kind, entries: tuple[CatalogueEntry, ...]) -> None:
        item = CatalogueItem(PARTITION, kind.value, entries={str(e.id): _stored(e) for e in entries}, revision=0)
        written(lambda: item.save(condition=SettingsItem.pk.does_not_exist()))

    def add(self, kind: Kind, entry: CatalogueEntry) -> bool:
        path = CatalogueItem.entries[str(entry.id)]
        return written(lambda: CatalogueItem(PARTITION, kind.value).update(
            actions=[path.set(_stored(entry)), CatalogueItem.revision.add(1)],
            condition=SettingsItem.pk.exists() & path.does_not_exist()))

    def change(self, kind: Kind, entry_id: int, change: EntryChange) -> CatalogueEntry | None:
        path = CatalogueItem.entries[str(entry_id)]
        actions: list[Action] = [CatalogueItem.revision.add(1)]
        if change.description is not None:
            actions.append(path["descricao"].set(change.description))
        if change.active is not None:
            actions.append(path["ativo"].set(change.active))
        if change.opens_orders is not None:
            actions.append(path["abre_os"].set(change.opens_orders))
        item = CatalogueItem(PARTITION, kind.value)
        if not written(lambda: item.update(actions=actions, condition=path.exists())):
            return None
        return _entry(str(entry_id), _as_dict(item.entries)[str(entry_id)])


def _stored(entry: CatalogueEntry) -> dict[str, Any]:
    return {"descricao": entry.description, "ativo": entry.active, "abre_os": entry.opens_orders}


def _entry(key: str, value: dict[str, Any]) -> CatalogueEntry:
    return CatalogueEntry(int(key), str(value["descricao"]), bool(value.get("ativo", True)),
                          bool(value.get("abre_os", True)))


def _as_dict(entries: Any) -> dict[str, Any]:
    return dict(entries.as_dict() if hasattr(entries, "as_dict") else entries or {})
