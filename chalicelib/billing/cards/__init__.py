"""Customers' credit cards: numbers checked before the gateway, the card vault service, the card panel's routes."""
