"""Field technicians (técnicos): who serves agendas and executes OS."""
