"""Reads, one module per entity. Every merchant-facing read takes the merchant and filters by it
first: another merchant's rows are as unknown as made-up ids."""
