"""AstraPay SNAP Payment Channel: account binding, linked direct debit, status, refund, notify."""
