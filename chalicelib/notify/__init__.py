"""Notifications to customers: the channel port and its registry (``channels``, ``registry``), WhatsApp
through ZapMe (``whatsapp``, ``zapme``), the templates and the consumer (``service``)."""
