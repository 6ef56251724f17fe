"""WhatsApp messages and preferences (``notifications`` table), templates and
the ZapMe settings (``settings`` table).

Keys: ``MENSAGEM#<event id>`` / ``MENSAGEM`` (one message per event),
``CLIENTE#<id>`` / ``PREFERENCIAS`` (opt-out); ``NOTIFICACAO_MODELO`` /
``<event>`` and ``ZAPME`` / ``CONFIG`` in ``settings``. Indexes:
``by_customer`` (``CLIENTE#<id>`` / ``<local moment>#<event id>``) and
``by_log_date`` (``<YYYY>`` / ``<local moment>#<event id>``), the log API.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo

from pynamodb.exceptions import PutError

from chalicelib.notify.service import (
    FAILED,
    RETRYING,
    SENDING,
    OutgoingMessage,
    Template,
    Try,
    ZapMeConfig,
)
from chalicelib.sealing import Sealed
from chalicelib.storage.dated import moment_key, query_years, within
from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import (
    MessageItem,
    NotificationTableItem,
    PreferenceItem,
    SettingsItem,
    TemplateItem,
    ZapMeItem,
)

TEMPLATES = "NOTIFICACAO_MODELO"


class DynamoNotificationStore:
    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone  # the log's dates are the provider's

    def message(self, event_id: str) -> OutgoingMessage | None:
        try:
            return _message(MessageItem.get(f"MENSAGEM#{event_id}", "MENSAGEM", consistent_read=True))
        except MessageItem.DoesNotExist:
            return None

    def claim(self, message: OutgoingMessage, now: datetime) -> bool:
        """Write ``message`` unless the event's message exists and is not free to try again (sent, refused,
        skipped, or in flight under a lease that has not run out)."""
        free = (MessageItem.pk.does_not_exist() | MessageItem.status.is_in(RETRYING, FAILED)
                | ((MessageItem.status == SENDING) & (MessageItem.lease_until < now)))
        return self._put(message, free)

    def update(self, message: OutgoingMessage, expected_version: int) -> bool:
        return self._put(message, MessageItem.version == expected_version)

    def of_customer(self, customer_id: int, first: datetime, last: datetime) -> Iterator[OutgoingMessage]:
        for item in NotificationTableItem.by_customer.query(
                f"CLIENTE#{customer_id}", within(NotificationTableItem.customer_sk, first, last)):
            if isinstance(item, MessageItem):
                yield _message(item)

    def between(self, first: datetime, last: datetime) -> Iterator[OutgoingMessage]:
        for item in query_years(NotificationTableItem.by_log_date, NotificationTableItem.log_key, first, last):
            if isinstance(item, MessageItem):
                yield _message(item)

    def templates(self) -> dict[str, Template]:
        return {i.sk: Template(i.sk, bool(i.active), i.text, bool(i.custom))
                for i in SettingsItem.query(TEMPLATES) if isinstance(i, TemplateItem)}

    def save_template(self, template: Template) -> None:
        TemplateItem(TEMPLATES, template.event, active=template.active, text=template.text,
                     custom=template.custom).save()

    def zapme(self) -> ZapMeConfig | None:
        try:
            item = ZapMeItem.get("ZAPME", "CONFIG", consistent_read=True)
        except ZapMeItem.DoesNotExist:
            return None
        return ZapMeConfig(bool(item.active), item.api,
                           Sealed(item.secret_ciphertext, item.secret_nonce, item.secret_data_key),
                           item.url or "", item.updated_at, item.updated_by or "")

    def save_zapme(self, config: ZapMeConfig) -> None:
        ZapMeItem("ZAPME", "CONFIG", active=config.active, api=config.api,
                  secret_ciphertext=config.secret.ciphertext, secret_nonce=config.secret.nonce,
                  secret_data_key=config.secret.data_key, url=config.url, updated_at=config.updated_at,
                  updated_by=config.updated_by).save()

    def opted_out(self, customer_id: int) -> bool:
        try:
            return bool(PreferenceItem.get(f"CLIENTE#{customer_id}", "PREFERENCIAS").opted_out)
        except PreferenceItem.DoesNotExist:
            return False

    def set_opted_out(self, customer_id: int, opted_out: bool) -> None:
        PreferenceItem(f"CLIENTE#{customer_id}", "PREFERENCIAS", opted_out=opted_out).save()

    def _put(self, message: OutgoingMessage, condition: object) -> bool:
        try:
            self._item(message).save(condition=condition)  # type: ignore[arg-type]
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def _item(self, message: OutgoingMessage) -> MessageItem:
        local = message.created_at.astimezone(self._zone)
        key = moment_key(local, message.event_id)
        return MessageItem(
            f"MENSAGEM#{message.event_id}", "MENSAGEM",
            customer_pk=f"CLIENTE#{message.customer_id}", customer_sk=key, log_year=local.strftime("%Y"),
            log_key=key, event_id=message.event_id, event=message.event, customer_id=message.customer_id,
            status=message.status, created_at=message.created_at, updated_at=message.updated_at,
            phone=message.phone, text=message.text, reason=message.reason, zapme_id=message.zapme_id,
            answer=json.dumps(dict(message.answer), ensure_ascii=False, default=str),
            tries=json.dumps([{"at": t.at.isoformat(), "outcome": t.outcome, "reason": t.reason}
                              for t in message.tries], ensure_ascii=False),
            lease_until=message.lease_until, version=message.version)


def _message(item: MessageItem) -> OutgoingMessage:
    return OutgoingMessage(
        event_id=item.event_id, event=item.event, customer_id=int(item.customer_id), status=item.status,
        created_at=item.created_at, updated_at=item.updated_at, phone=item.phone or "", text=item.text or "",
        reason=item.reason or "", zapme_id=item.zapme_id or "", answer=json.loads(item.answer or "{}"),
        tries=tuple(Try(datetime.fromisoformat(t["at"]), t["outcome"], t["reason"])
                    for t in json.loads(item.tries or "[]")),
        lease_until=item.lease_until, version=int(item.version))
