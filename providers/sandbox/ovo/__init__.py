"""Simulated OVO Push-to-Pay: the blocking /pos endpoint and an "OVO app" phone simulator page."""
