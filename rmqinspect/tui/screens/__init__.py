"""One module per workbench screen (Textual mode)."""
