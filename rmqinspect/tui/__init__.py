"""The Textual workbench (`rmqinspect tui`)."""
