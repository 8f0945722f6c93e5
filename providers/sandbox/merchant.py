"""Who the demo merchant is, as the simulated partners know it from onboarding. The demo store
sells under this name and the partner pages show it; it is the name the gateway's demo data gives
the same merchant (IONPAYTEST), and a test keeps the two equal."""

DEMO_MERCHANT_NAME = "Payloan Demo Store"
