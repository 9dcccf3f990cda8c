"""Find RocketMQ log files under a directory: live ``*.log`` and rolled ``otherdays/**/*.N.log[.gz]``.

Layouts handled (catalogue §1.4): everything at the top of ``rocketmqlogs/``; 4.9.3+ isolated brokers
(``<brokerName>_<id>/broker.log`` with rolled files in ``otherdays/<brokerName>_<id>/``); 5.1+
isolated brokers (``…/<dir>/otherdays/``), and the 5.1+ missing-separator quirk where the directory
becomes a *sibling* ``rocketmqlogs<brokerName>_<id>`` (picked up when the root is named
``rocketmqlogs``). Only ``stat``/``scandir`` are used: discovery never opens or creates anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ...errors import NotFoundError, UnusableInputError
from .layouts import ROLLED_DIR, logical_name


@dataclass(frozen=True, slots=True)
class LogFile:
    """One log file on disk.

    ``rel`` is the path relative to the discovered root (the ``file`` column of frames); ``name`` the
    logical file (``broker.log`` for ``otherdays/broker.3.log.gz``); ``rotation`` 0 for the live file,
    N for rolled index N (higher = older); ``subdir`` the isolated-broker directory (``""`` if none).
    """

    path: Path
    rel: str
    name: str
    rotation: int
    compressed: bool
    subdir: str
    size: int
    mtime: float


def _walk(root: Path) -> list[Path]:
    out: list[Path] = []
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for e in it:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(Path(e.path))
                        elif e.is_file():
                            out.append(Path(e.path))
                    except OSError:
                        continue
        except OSError:
            continue  # unreadable directory: reported by the caller as a finding if nothing is found
    return out


def _subdir(rel_parts: tuple[str, ...]) -> str:
    """Isolated-broker directory of a file: its directory parts minus ``otherdays``."""
    parts = [p for p in rel_parts[:-1] if p != ROLLED_DIR]
    return "/".join(parts)


def _describe(path: Path, root: Path, prefix: str = "") -> LogFile | None:
    rel_parts = path.relative_to(root).parts
    ln = logical_name(path.name)
    if ln is None:
        return None
    name, rotation, compressed = ln
    try:
        st = path.stat()
    except OSError:
        st = None
    rel = "/".join(rel_parts)
    sub = _subdir(rel_parts)
    if prefix:
        rel = f"{prefix}/{rel}"
        sub = f"{prefix}/{sub}" if sub else prefix
    return LogFile(
        path=path,
        rel=rel,
        name=name,
        rotation=rotation,
        compressed=compressed,
        subdir=sub,
        size=st.st_size if st else -1,
        mtime=st.st_mtime if st else 0.0,
    )


def sort_key(f: LogFile) -> tuple[str, str, int]:
    """Oldest first within one logical file: rolled N … 1, then the live file (rotation 0 → last)."""
    return (f.subdir, f.name, -f.rotation if f.rotation else 1)


def discover(dir: str | os.PathLike[str]) -> list[LogFile]:
    """All RocketMQ log files under ``dir`` (or ``dir`` itself if it is a file), oldest → newest.

    Raises :class:`NotFoundError` if ``dir`` does not exist and :class:`UnusableInputError` if it is
    neither a directory nor a file.
    """
    root = Path(dir).expanduser()
    if not root.exists():
        raise NotFoundError(f"log directory not found: {root}")
    if root.is_file():
        d = _describe(root, root.parent)
        if d is None:  # a file named explicitly is read whatever its name
            st = root.stat()
            d = LogFile(root, root.name, root.name, 0, root.name.endswith(".gz"), "", st.st_size, st.st_mtime)
        return [d]
    if not root.is_dir():
        raise UnusableInputError(f"not a directory or file: {root}")
    files = [d for p in _walk(root) if (d := _describe(p, root)) is not None]
    if root.name == "rocketmqlogs":  # 5.1+ isolateLogEnable quirk: ``rocketmqlogs<brokerName>_<id>/``
        try:
            siblings = [s for s in root.parent.iterdir() if s.is_dir() and s.name.startswith("rocketmqlogs")]
        except OSError:
            siblings = []
        for s in siblings:
            if s == root:
                continue
            files += [d for p in _walk(s) if (d := _describe(p, s, prefix=s.name)) is not None]
    files.sort(key=sort_key)
    return files
