"""`kimina-rl serve`: not written yet."""
