"""One module per CLI sub-command; each defines a typer command function that cli.py registers."""
