"""Integer id sequences: one atomic ``ADD`` per id, never read-then-write."""
from __future__ import annotations

from chalicelib.storage.models import SequenceItem


class DynamoSequences:
    def next_id(self, name: str) -> int:
        item = SequenceItem(f"SEQ#{name}", "SEQ")
        item.update(actions=[SequenceItem.value.add(1)])
        return int(item.value)
