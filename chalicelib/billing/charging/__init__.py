"""Charging an invoice on a stored card: attempts, what a gateway's answer means, the order ids gateways see."""
