"""Hydra configs of the verl adapter (a package so Hydra finds them however it is run)."""
