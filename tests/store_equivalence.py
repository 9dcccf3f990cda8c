"""The streamed store analysis (``stream_store``, bounded memory, what ``rmqinspect store`` runs) must give the
report of the whole-frame one (``analyse_store(load_store(...))``, what the TUI runs) — on every store a test
builds. Tiny windows (one record each, 64 KiB reads) make every window boundary case happen on small stores."""

from __future__ import annotations

from pathlib import Path

from rmqinspect.analysis.store_summary import StoreReport, stream_store
from rmqinspect.output import dumps


def assert_stream_equal(root: Path, full: StoreReport, **kw: object) -> None:
    want = dumps(full.to_doc())
    for window_records in (1, 10**9):
        got = stream_store(root, chunk_bytes=1 << 16, window_records=window_records, **kw)  # type: ignore[arg-type]
        assert dumps(got.to_doc()) == want, f"stream_store differs (window_records={window_records})"
        assert got.verdict == full.verdict
