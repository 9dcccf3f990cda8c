"""Live views of a host's logs: the rotation-safe directory follower shared by ``tail`` and the TUI."""

from __future__ import annotations

from .follow import DirFollower
from .items import Batch, Chunk, Notice, WarningCounter, coalesce

__all__ = ["Batch", "Chunk", "DirFollower", "Notice", "WarningCounter", "coalesce"]
