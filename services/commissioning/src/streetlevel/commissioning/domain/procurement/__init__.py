"""Procurement Act 2023 rules for a council's commissioning cycle (pure domain, no I/O)."""
