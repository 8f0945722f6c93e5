"""Simulated LinkAja Web Checkout: token API, hosted PIN page, status check and reversal."""
