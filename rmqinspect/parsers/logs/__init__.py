"""rmqinspect.parsers.logs."""
