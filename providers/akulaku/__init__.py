"""Akulaku PayLater ("Open Pay"): order at registration, redirect, signed callback, receipt."""
