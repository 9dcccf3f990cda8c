"""Presentation for people: rich tables and panels. Only cli/commands/tui import this."""
