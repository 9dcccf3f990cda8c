"""The lab's one error type: the entry point prints its message as one line and exits non-zero."""


class LabError(Exception):
    """A bad lab condition (no Java, Maven failing, port in use, a process that will not start)."""
