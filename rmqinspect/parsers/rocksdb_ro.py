"""Read a RocksDB database a broker left behind, strictly read-only (RocksDB CQ store, RocksDB config stores).

RocksDB's read-only open takes no lock and writes nothing, but ``rocksdict`` writes a ``rocksdict-config.json``
into the directory it opens. So the database is opened through a private directory of symbolic links to its files
(under the system temp dir, removed afterwards): nothing is created or changed next to the broker's files.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_ROCKSDB_FILE = re.compile(r"^(CURRENT|IDENTITY|MANIFEST-\d+|OPTIONS-\d+|\d+\.(sst|log|blob|ldb))$")


@contextmanager
def open_readonly(db_dir: Path) -> Iterator[Any]:
    """The database at ``db_dir`` as a read-only ``rocksdict.Rdict`` in raw (bytes) mode, every column family
    open (``db.get_column_family(name)``). Raises whatever RocksDB raises for an unreadable database."""
    from rocksdict import AccessType, Options, Rdict

    with tempfile.TemporaryDirectory(prefix="rmqinspect-rocksdb-") as tmp:
        for e in os.scandir(db_dir):
            if e.is_file() and _ROCKSDB_FILE.match(e.name):  # RocksDB's own files only (not a rocksdict config)
                os.symlink(e.path, os.path.join(tmp, e.name))
        opts = Options(raw_mode=True)
        cfs = Rdict.list_cf(tmp, opts)
        db = Rdict(tmp, options=opts, access_type=AccessType.read_only(),
                   column_families={c: Options(raw_mode=True) for c in cfs})
        try:
            yield db
        finally:
            db.close()


def items(db_dir: Path, column_family: str = "default") -> Iterator[tuple[bytes, bytes]]:
    """Every (key, value) of one column family, in key order, one at a time (the database stays open while the
    caller iterates)."""
    with open_readonly(db_dir) as db:
        yield from db.get_column_family(column_family).items()
