"""`kimina-rl score`: not written yet."""
