"""Bench-only Django app: the stack's own floor (a minimal insert, a one-row read, a no-op task).

Installed only by tests.bench.settings; never in payloan_site.settings, never mounted in production."""
