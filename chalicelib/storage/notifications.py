"""Messages and customers' opt-outs (``notifications`` table), templates and
each channel's settings (``settings`` table).

Keys: ``MENSAGEM#<event id>`` / ``MENSAGEM`` (one message per event, whatever
its channel), ``CLIENTE#<id>`` / ``PREFERENCIAS#<channel>`` (an opt-out);
``NOTIFICACAO_MODELO`` / ``<event>`` and ``CANAL_NOTIFICACAO`` / ``<channel>``
in ``settings``. Indexes: ``by_customer`` (``CLIENTE#<id>`` / ``<local
moment>#<event id>``) and ``by_log_date`` (``<YYYY>`` / ``<local
moment>#<event id>``), the log API.

WhatsApp was the only channel before there were channels, and what was stored
then still reads: a message without a channel is WhatsApp's, WhatsApp's
opt-out is ``PREFERENCIAS`` and its settings ``ZAPME`` / ``CONFIG`` (kind
``zapme``), where they are still written.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo

from chalicelib.notify.channels import WHATSAPP, ChannelConfig
from chalicelib.notify.service import FAILED, RETRYING, SENDING, OutgoingMessage, Template, Try
from chalicelib.sealing import Sealed
from chalicelib.storage.dated import moment_key, query_years, within
from chalicelib.storage.errors import written
from chalicelib.storage.models import (
    ChannelSettingsItem,
    MessageItem,
    NotificationTableItem,
    PreferenceItem,
    SettingsItem,
    TemplateItem,
    ZapMeItem,
)

TEMPLATES = "NOTIFICACAO_MODELO"
CHANNEL_SETTINGS = "CANAL_NOTIFICACAO"
PREFERENCES = "PREFERENCIAS"


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

    def channel_config(self, channel: str) -> ChannelConfig | None:
        kind, pk, sk = _settings_of(channel)
        try:
            item = kind.get(pk, sk, consistent_read=True)
        except kind.DoesNotExist:
            return None
        return ChannelConfig(bool(item.active), item.api,
                             Sealed(item.secret_ciphertext, item.secret_nonce, item.secret_data_key),
                             item.url or "", item.updated_at, item.updated_by or "")

    def save_channel_config(self, channel: str, config: ChannelConfig) -> None:
        kind, pk, sk = _settings_of(channel)
        kind(pk, sk, active=config.active, api=config.api, secret_ciphertext=config.secret.ciphertext,
             secret_nonce=config.secret.nonce, secret_data_key=config.secret.data_key, url=config.url,
             updated_at=config.updated_at, updated_by=config.updated_by).save()

    def opted_out(self, customer_id: int, channel: str) -> bool:
        try:
            return bool(PreferenceItem.get(f"CLIENTE#{customer_id}", _preference_sk(channel)).opted_out)
        except PreferenceItem.DoesNotExist:
            return False

    def set_opted_out(self, customer_id: int, channel: str, opted_out: bool) -> None:
        PreferenceItem(f"CLIENTE#{customer_id}", _preference_sk(channel), opted_out=opted_out).save()

    def _put(self, message: OutgoingMessage, condition: object) -> bool:
        return written(lambda: self._item(message).save(condition=condition))  # type: ignore[arg-type]

    def _item(self, message: OutgoingMessage) -> MessageItem:
        local = message.created_at.astimezone(self._zone)
        key = moment_key(local, message.event_id)
        return MessageItem(
            f"MENSAGEM#{message.event_id}", "MENSAGEM",
            customer_pk=f"CLIENTE#{message.customer_id}", customer_sk=key, log_year=local.strftime("%Y"),
            log_key=key, event_id=message.event_id, event=message.event, customer_id=message.customer_id,
            status=message.status, created_at=message.created_at, updated_at=message.updated_at,
            channel=message.channel, address=message.address, text=message.text, reason=message.reason,
            provider_message_id=message.provider_message_id,
            answer=json.dumps(dict(message.answer), ensure_ascii=False, default=str),
            tries=json.dumps([{"at": t.at.isoformat(), "outcome": t.outcome, "reason": t.reason}
                              for t in message.tries], ensure_ascii=False),
            lease_until=message.lease_until, version=message.version)


def _message(item: MessageItem) -> OutgoingMessage:
    return OutgoingMessage(
        event_id=item.event_id, event=item.event, customer_id=int(item.customer_id), status=item.status,
        created_at=item.created_at, updated_at=item.updated_at,
        channel=WHATSAPP if item.channel is None else item.channel, address=item.address or "",
        text=item.text or "", reason=item.reason or "", provider_message_id=item.provider_message_id or "",
        answer=json.loads(item.answer or "{}"),
        tries=tuple(Try(datetime.fromisoformat(t["at"]), t["outcome"], t["reason"])
                    for t in json.loads(item.tries or "[]")),
        lease_until=item.lease_until, version=int(item.version))


def _settings_of(channel: str) -> tuple[type[ChannelSettingsItem], str, str]:
    """The item class and key of a channel's settings."""
    if channel == WHATSAPP:
        return ZapMeItem, "ZAPME", "CONFIG"
    return ChannelSettingsItem, CHANNEL_SETTINGS, channel


def _preference_sk(channel: str) -> str:
    return PREFERENCES if channel == WHATSAPP else f"{PREFERENCES}#{channel}"
