"""BI-SNAP, NICEPAY's SNAP e-wallet ("direct debit") API: the second merchant door onto the same
services as V2. Paths, headers, signatures, codes and bodies as NICEPAY's official SNAP clients send
and read them (docs/snap.md)."""
