"""A fake ninth partner, as a new partner's package would be: adapter + transformers. Tests add it
to the catalogue with the `ninth_partner` fixture (one entry, nothing else)."""
