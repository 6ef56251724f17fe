"""Agendas de Ordem de Serviço: when service orders may be scheduled and how
many fit each slot, enforced by DynamoDB on every path that books a slot."""
