"""WhatsApp notifications through ZapMe: client, templates, consumer."""
