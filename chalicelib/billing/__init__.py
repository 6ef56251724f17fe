"""Recurring card billing: card vault, gateways, invoices, charges, suspension."""
