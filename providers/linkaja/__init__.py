"""LinkAja Web Checkout (WCO): payment token, hosted PIN page, status check, reversal."""
