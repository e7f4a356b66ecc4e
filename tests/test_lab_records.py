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


def _part(seeds, seconds, **fields):
    return {
        "command": f"python -m alexnet_core.lab.x --seeds {','.join(map(str, seeds))}",
        "seeds": list(seeds), "hardware": "cpu, torch 2", "seconds": seconds,
        "num_train": 10, **fields, "results": {str(s): {"speedup": s + 0.5} for s in seeds},
    }


def test_merge_joins_the_seeds_and_keeps_every_parts_header():
    merged = records.merge_records([_part([2, 0], 5), _part([1], 7)], "python -m alexnet_core.lab.records merge")
    assert merged["command"] == "python -m alexnet_core.lab.records merge"
    assert merged["seeds"] == [2, 0, 1] and merged["seconds"] == 12 and merged["num_train"] == 10
    assert list(merged["results"]) == ["0", "1", "2"]  # in seed order
    assert merged["results"]["1"] == {"speedup": 1.5}
    assert [p["seeds"] for p in merged["parts"]] == [[2, 0], [1]]
    assert merged["parts"][1]["command"].endswith("--seeds 1")


def test_merge_refuses_different_measurements_and_repeated_seeds():
    import pytest

    with pytest.raises(ValueError, match=r"parts\[1\] is not the same measurement as parts\[0\]: \['num_train'\] differ"):
        records.merge_records([_part([0], 1), _part([1], 1, num_train=20)], "m")
    with pytest.raises(ValueError, match=r"parts\[1\] repeats seed\(s\) \['0'\]"):
        records.merge_records([_part([0], 1), _part([0, 1], 1)], "m")
    with pytest.raises(ValueError, match="at least 2 records"):
        records.merge_records([_part([0], 1)], "m")
    with pytest.raises(ValueError, match=r"parts\[0\] is not a committed record: no \['hardware'\]"):
        records.merge_records([{k: v for k, v in _part([0], 1).items() if k != "hardware"}, _part([1], 1)], "m")


def test_merge_command_writes_the_record_and_names_a_bad_file(tmp_path, capsys):
    import pytest

    a, b, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    a.write_text(json.dumps(_part([0], 3)))
    b.write_text(json.dumps(_part([1], 4)))
    argv = ["merge", str(a), str(b), "--output", str(out)]
    records.main(argv)
    merged = json.loads(out.read_text())
    assert merged["command"] == "python -m alexnet_core.lab.records " + " ".join(argv)
    assert merged["seeds"] == [0, 1]
    b.write_text("{not json")
    with pytest.raises(SystemExit):
        records.main(argv)
    assert "error:" in capsys.readouterr().err


def _field_part(seeds):
    part = _part(seeds, 2)
    part["results"] = {
        "test_error_with": {str(s): 0.1 * s for s in seeds},
        "epochs_to_converge": {str(s): {"a": s} for s in seeds},
        "median_with": 0.5,  # a summary of this part's seeds
    }
    return part


def test_merge_joins_field_by_field_results_and_leaves_out_the_summaries():
    import pytest

    merged = records.merge_records([_field_part([1]), _field_part([0, 2])], "m")
    assert merged["results"] == {
        "test_error_with": {"0": 0.0, "1": 0.1, "2": 0.2},
        "epochs_to_converge": {"0": {"a": 0}, "1": {"a": 1}, "2": {"a": 2}},
    }
    with pytest.raises(ValueError, match=r"repeats seed\(s\) \['1'\] of an earlier part in 'test_error_with'"):
        records.merge_records([_field_part([1]), _field_part([1])], "m")
    flat = _part([3], 1)
    flat["results"] = {"median": 1.0}
    with pytest.raises(ValueError, match="not keyed by seed"):
        records.merge_records([_field_part([1]), flat], "m")
