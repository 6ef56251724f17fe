"""Suspension profiles and dunning (warning, then suspension, lifted on payment)."""
