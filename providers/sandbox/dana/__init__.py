"""Simulated DANA: SNAP Payment Gateway API, hosted cashier, signed finish notifications."""
