"""API users, OAuth clients, bearer tokens and permissions."""
