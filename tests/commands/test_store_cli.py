"""``rmqinspect store``: JSON document shape and golden output on a real crash store, exit codes, rendering
of hostile names, one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmqinspect.analysis.store_summary import DOC_KEYS
from rmqinspect.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "store"
CRASH = sorted(SAMPLES.glob("rmq-*/broker-a/store-at-crash"))
STORES = sorted(SAMPLES.glob("rmq-*/broker-a/store"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(argv)
    out, err = capsys.readouterr()
    return int(e.value.code or 0), out, err


def _need(paths: list[Path]) -> Path:
    if not paths:
        pytest.skip("no lab samples under samples/")
    return paths[0]


def _normalise(doc: dict, root: Path) -> dict:
    """Drop what depends on where the sample lives, not on its bytes."""
    text = json.dumps(doc).replace(str(root), "<STORE>")
    return json.loads(text)


def test_json_document_has_exactly_the_contract_keys(capsys: pytest.CaptureFixture[str]) -> None:
    root = _need(CRASH)
    code, out, _ = run(["store", str(root), "--json"], capsys)
    doc = json.loads(out)
    assert tuple(doc) == DOC_KEYS
    assert code == 0  # a crash store is not damaged: abort is a warning, not an error
    assert doc["abort"]["present"] is True
    assert doc["recovery"]["mode"] == "abnormal"
    assert {f["check"] for f in doc["findings"]} >= {"abort_present"}


@pytest.mark.parametrize("root", CRASH, ids=[p.parents[1].name for p in CRASH])
def test_golden_json_of_a_real_crash_store(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole ``--json`` document, byte for byte, for one real crash store (``RMQ_UPDATE_GOLDEN=1`` remakes
    it; a golden made from another lab run of the samples is skipped, not compared)."""
    run_dir = root.parents[1]
    created = json.loads((run_dir / "manifest.json").read_text())["created_utc"]
    version = run_dir.name.removeprefix("rmq-")
    code, out, _ = run(["store", str(root), "--json", "--broker-version", version], capsys)
    assert code == 0
    doc = _normalise(json.loads(out), root)
    golden = GOLDEN / f"store-json-{run_dir.name}-crash.json"
    if os.environ.get("RMQ_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps({"sample_created_utc": created, "doc": doc}, indent=1, ensure_ascii=False) + "\n")
    if not golden.exists():
        pytest.skip(f"no golden {golden.name}; make it with RMQ_UPDATE_GOLDEN=1")
    g = json.loads(golden.read_text())
    if g["sample_created_utc"] != created:
        pytest.skip(f"{golden.name} was made from another lab run of the samples; remake it")
    assert doc == g["doc"]


def test_damaged_store_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _need(STORES)
    root = tmp_path / "store"
    shutil.copytree(src, root)
    cq = sorted((root / "consumequeue" / "LabTopic" / "0").iterdir())[0]
    b = bytearray(cq.read_bytes())
    phy = struct.unpack_from(">q", b, 20)[0]
    struct.pack_into(">q", b, 20, phy + 3)
    cq.write_bytes(bytes(b))
    code, out, _ = run(["store", str(root), "--json"], capsys)
    assert code == 1
    assert any(f["check"] == "cq_dangling" and f["offset"] == 20 for f in json.loads(out)["findings"])


@pytest.mark.parametrize("arg", ["/nonexistent/store", "__file__", "__emptydir__"])
def test_unusable_input_is_one_line_exit_2(arg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if arg == "__file__":
        arg = str(Path(__file__))
    elif arg == "__emptydir__":
        arg = str(tmp_path)
    code, out, err = run(["store", arg], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rmqinspect: ") and "Traceback" not in err


def test_summary_renders_hostile_topic_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _need(STORES)
    root = tmp_path / "store"
    shutil.copytree(src, root)
    evil = root / "consumequeue" / "\x1b[2J\x1b]0;pwned\x07[red]EVIL" / "0"
    evil.mkdir(parents=True)
    real = sorted((root / "consumequeue" / "LabTopic" / "0").iterdir())[0]
    (evil / real.name).write_bytes(real.read_bytes())
    code, out, _ = run(["store", str(root), "--width", "200"], capsys)
    assert "\x1b" not in out and "\x07" not in out
    assert "␛[2J" in out  # the ESC is shown, not obeyed
    assert re.search(r"verdict\s+damaged", out)  # its units disagree with the records' topic
    assert code == 1


def test_summary_sections_on_real_crash_store(capsys: pytest.CaptureFixture[str]) -> None:
    root = _need(CRASH)
    code, out, _ = run(["store", str(root), "--width", "160"], capsys)
    assert code == 0
    for s in ("rmqinspect store", "verdict", "Topics", "Consume queues", "Recovery prediction", "abnormal",
              "Findings"):
        assert s in out


@pytest.mark.parametrize("root", CRASH, ids=[p.parents[1].name for p in CRASH])
def test_golden_summary_text_of_a_real_crash_store(root: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The rich summary at a fixed width (no colour: captured output), against a golden text file. Run from
    the samples dir with a relative path so the layout does not depend on where the checkout lives."""
    run_dir = root.parents[1]
    created = json.loads((run_dir / "manifest.json").read_text())["created_utc"]
    version = run_dir.name.removeprefix("rmq-")
    monkeypatch.chdir(SAMPLES)
    rel = str(root.relative_to(SAMPLES))
    code, text, _ = run(["store", rel, "--width", "160", "--broker-version", version], capsys)
    assert code == 0
    golden = GOLDEN / f"store-summary-{run_dir.name}-crash.txt"
    head = f"# sample_created_utc: {created}\n"
    if os.environ.get("RMQ_UPDATE_GOLDEN"):
        golden.write_text(head + text)
    if not golden.exists():
        pytest.skip(f"no golden {golden.name}; make it with RMQ_UPDATE_GOLDEN=1")
    g = golden.read_text()
    if not g.startswith(head):
        pytest.skip(f"{golden.name} was made from another lab run of the samples; remake it")
    assert text == g[len(head):]


@pytest.mark.skipif(not CRASH, reason="no lab samples")
@settings(max_examples=int(os.environ.get("RMQ_FUZZ_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_randomly_damaged_real_store_never_crashes_the_cli(tmp_path_factory: pytest.TempPathFactory,
                                                            data: st.DataObject,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Flip/zero/truncate/replace random spots of random files of a real crash store: exit 0/1/2, never 3."""
    root = tmp_path_factory.mktemp("dmg") / "store"
    shutil.copytree(CRASH[0], root)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for _ in range(data.draw(st.integers(1, 6))):
        f = data.draw(st.sampled_from(files))
        b = bytearray(f.read_bytes())
        how = data.draw(st.sampled_from(["flip", "zero", "truncate", "garbage"]))
        if b and how == "flip":
            for _ in range(data.draw(st.integers(1, 20))):
                b[data.draw(st.integers(0, len(b) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        elif b and how == "zero":
            at = data.draw(st.integers(0, len(b) - 1))
            end = min(len(b), at + data.draw(st.integers(1, 8192)))
            b[at:end] = bytes(end - at)
        elif how == "truncate":
            b = b[: data.draw(st.integers(0, len(b)))]
        else:
            b = bytearray(data.draw(st.binary(max_size=64)))
        f.write_bytes(bytes(b))
    code, out, err = run(["store", str(root), "--json"], capsys)
    assert code in (0, 1, 2), err
    assert "internal error" not in err
    if code != 2:
        assert tuple(json.loads(out)) == DOC_KEYS
