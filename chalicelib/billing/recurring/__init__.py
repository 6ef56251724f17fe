"""Recurring card payment: which card pays a service, when tries are due, the tick's queueing and
the charges consumer."""
