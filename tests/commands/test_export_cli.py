"""``rmqinspect export``: each frame in each format, read back; refuses to write into the analysed store."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from rmqinspect.cli import main
from rmqinspect.commands.export import EXPORTS

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STORES = sorted(SAMPLES.glob("rmq-*/broker-a/store"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(argv)
    out, err = capsys.readouterr()
    return int(e.value.code or 0), out, err


def _frame(what: str, store: Path) -> pl.DataFrame:
    got = EXPORTS[what](store)
    return got if isinstance(got, pl.DataFrame) else pl.concat(list(got))


@pytest.fixture
def store() -> Path:
    if not STORES:
        pytest.skip("no lab samples under samples/")
    return STORES[0]


@pytest.mark.parametrize("what", sorted(EXPORTS))
@pytest.mark.parametrize("fmt", ["parquet", "csv", "ndjson"])
def test_export_round_trips(store: Path, what: str, fmt: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"x.{fmt}"
    code, _, err = run(["export", str(store), "--what", what, "--format", fmt, "-o", str(out)], capsys)
    assert code == 0, err
    expected = _frame(what, store)
    assert f"wrote {expected.height} rows" in err
    if fmt == "ndjson" and expected.height == 0:
        assert out.read_bytes() == b""  # no rows, no lines
        return
    df = {"parquet": pl.read_parquet, "csv": pl.read_csv, "ndjson": pl.read_ndjson}[fmt](out)
    assert df.height == expected.height
    if fmt == "ndjson":  # JSON objects carry names, not an order the reader must keep
        assert set(df.columns) == set(expected.columns)
    else:
        assert df.columns == expected.columns


def test_messages_export_keeps_offsets_exactly(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.parquet"
    run(["export", str(store), "--what", "messages", "-o", str(out)], capsys)
    df = pl.read_parquet(out)
    cq = _frame("consumequeue", store)
    # every consume-queue unit's offset is a record start in the export
    assert cq.join(df.select("phy_offset"), on="phy_offset", how="anti").height == 0


def test_messages_export_is_streamed(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One commitlog chunk at a time (here: one per file): a Parquet row group each, one CSV header in all."""
    import pyarrow.parquet as pq

    out = tmp_path / "m.parquet"
    run(["export", str(store), "--what", "messages", "-o", str(out)], capsys)
    n_files = len(list((store / "commitlog").iterdir()))
    assert pq.ParquetFile(out).num_row_groups == n_files > 1
    csv = tmp_path / "m.csv"
    run(["export", str(store), "--what", "messages", "--format", "csv", "-o", str(csv)], capsys)
    lines = csv.read_text().splitlines()
    assert sum(1 for x in lines if x.startswith("file,phy_offset,")) == 1
    assert pl.read_csv(csv).height == pl.read_parquet(out).height


def test_ndjson_to_stdout(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["export", str(store), "--what", "index", "--format", "ndjson", "-o", "-"], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and set(rows[0]) == {"file", "entry_no", "key_hash", "phy_offset", "time_diff", "prev_index",
                                      "store_ts"}


@pytest.mark.parametrize("argv", [
    ["--what", "nope", "-o", "x.csv"],
    ["--what", "messages", "--format", "xlsx", "-o", "x.csv"],
])
def test_bad_arguments_exit_2(store: Path, argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a if a != "x.csv" else str(tmp_path / "x.csv") for a in argv]
    code, _, err = run(["export", str(store), *argv], capsys)
    assert code == 2 and err.startswith("rmqinspect: ")


def test_refuses_to_write_inside_the_store(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = store / "config" / "x.csv"
    code, _, err = run(["export", str(store), "--what", "findings", "--format", "csv", "-o", str(target)], capsys)
    assert code == 2 and "refusing" in err
    assert not target.exists()


def test_log_lines_and_events_are_wired_when_the_logs_parser_provides_them(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    logs = sorted(SAMPLES.glob("rmq-*/broker-a/logs/rocketmqlogs"))
    if not logs:
        pytest.skip("no lab sample logs")
    for what in ("lines", "events"):
        out = tmp_path / f"{what}.parquet"
        code, _, err = run(["export", str(logs[0]), "--what", what, "-o", str(out)], capsys)
        assert code == 0, err
        df = pl.read_parquet(out)
        assert df.height > 0 and "ts" in df.columns
