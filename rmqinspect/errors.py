"""One exception hierarchy. Only *unusable* input raises; damage inside usable input is a Finding.

The CLI catches RmqInspectError once, prints its message as one line on stderr and exits with
``exit_code`` (see README "Exit codes").
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2
EXIT_INTERRUPTED = 130


class RmqInspectError(Exception):
    """Base class: an error worth one clear line to the operator, never a traceback."""

    exit_code = EXIT_UNUSABLE


class UnusableInputError(RmqInspectError):
    """The path given cannot be analysed at all (missing, not a store, unreadable, wrong kind)."""


class NotFoundError(RmqInspectError):
    """A lookup (message id, key, offset) names something that is not there."""


class UsageError(RmqInspectError):
    """Arguments that contradict each other or are malformed (e.g. a msgId that is not hex)."""
