"""Simulated ShopeePay (regional v3 merchant-host API, hosted pay page, signed notifications)."""
