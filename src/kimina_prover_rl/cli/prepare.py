"""`kimina-rl prepare`: not written yet."""
