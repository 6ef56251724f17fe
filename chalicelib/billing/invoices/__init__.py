"""Invoices (faturas): the service and the routes."""
