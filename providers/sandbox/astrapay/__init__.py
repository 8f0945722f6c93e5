"""Simulated AstraPay SNAP Payment Channel: tokens, account binding, debit, status, refund."""
