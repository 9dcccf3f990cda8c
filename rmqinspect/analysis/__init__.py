"""Frames → findings and reports. Pure functions; no I/O beyond what parsers do, no presentation."""
