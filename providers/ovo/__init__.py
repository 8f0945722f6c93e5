"""OVO Push-to-Pay (mitraCd OVOE): a blocking push to the customer's OVO app."""
