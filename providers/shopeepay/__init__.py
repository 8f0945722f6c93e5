"""ShopeePay (mitraCd ESHP): regional "v3 merchant-host" API with HMAC-signed requests."""
