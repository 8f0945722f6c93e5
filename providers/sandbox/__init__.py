"""The built-in partner sandbox: the outside world, reached only over HTTP.

It imports neither the gateway (`payments`) nor the adapters, and could run as its own server.
"""
