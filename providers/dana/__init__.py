"""DANA: SNAP Payment Gateway with DANA's hosted cashier (mitraCd DANA)."""
