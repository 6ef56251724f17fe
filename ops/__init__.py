"""Operator commands for a deployed stage."""
