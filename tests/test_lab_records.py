"""The header every committed measurement in book/data carries (alexnet_core.lab.records)."""

from __future__ import annotations

import json
import time

from alexnet_core.lab import records


def test_command_line_is_what_was_typed():
    assert records.command_line("alexnet_core.lab.x", ["seeds", "--seeds", "0,1"]) == (
        "python -m alexnet_core.lab.x seeds --seeds 0,1"
    )


def test_run_record_and_write_record_round_trip(tmp_path, capsys):
    record = records.run_record(
        "alexnet_core.lab.x", ["a"], seeds=(3, 4), start=time.time() - 2, results={"k": 1}
    )
    assert list(record)[:4] == ["command", "seeds", "hardware", "seconds"]
    assert record["seeds"] == [3, 4] and record["seconds"] >= 2 and record["results"] == {"k": 1}
    assert "torch" in record["hardware"]
    path = tmp_path / "out.json"
    records.write_record(record, path)
    assert json.loads(path.read_text()) == record
    assert f"wrote {path}" in capsys.readouterr().out


def test_every_committed_measurement_says_how_it_was_made_and_is_listed():
    # each book/data/*.json names its command, hardware and run time, and the README's table of
    # committed measurements lists it (so a reader can find how to re-run it)
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    files = sorted((root / "book" / "data").glob("*.json"))
    assert files
    for path in files:
        record = json.loads(path.read_text())
        assert record["command"].startswith("python -m alexnet_core."), path.name
        assert "torch" in record["hardware"] and record["seconds"] >= 0, path.name
        assert f"`{path.name}`" in readme, f"{path.name} is missing from README.md"
