"""Customers (clientes) and their services (cliente_servico)."""
