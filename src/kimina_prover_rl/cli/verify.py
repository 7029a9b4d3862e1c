"""`kimina-rl verify`: not written yet."""
