"""rmqinspect: a forensic analyser for Apache RocketMQ hosts (logs and store, read-only)."""

__version__ = "0.1.0"
