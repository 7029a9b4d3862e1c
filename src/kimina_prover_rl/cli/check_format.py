"""`kimina-rl check-format`: not written yet."""
