"""Maintenance scripts: run by hand to regenerate committed data, never at run time."""
