"""Bytes and lines → Polars frames. Nothing in this package imports rich or textual."""
