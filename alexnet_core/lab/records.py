"""The header every committed measurement carries: the command that made it, the machine, the time.

``book/data/*.json`` files are written by the lab's ``python -m alexnet_core.lab.<module>``
commands. Each starts with the same fields so a reader (and a chapter) can tell how to make it
again: ``command`` (exactly as typed), ``seeds``, ``hardware`` and ``seconds``.

A long measurement can be run a few seeds at a time and joined afterwards:
``python -m alexnet_core.lab.records merge A.json B.json --output C.json`` (:func:`merge_records`)
keeps every part's command, seeds, hardware and seconds under ``parts``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from ..runtime import hardware_summary

__all__ = ["command_line", "run_record", "write_record", "merge_records", "parse_rates"]


def command_line(module: str, argv: Sequence[str] | None) -> str:
    """Return ``python -m <module> <arguments>`` as the user typed it (``sys.argv`` if None)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    return " ".join(["python -m", module, *arguments])


def run_record(
    module: str, argv: Sequence[str] | None, *, seeds: Sequence[int], start: float,
    **fields: Any,
) -> dict[str, Any]:  # fmt: skip
    """Return {command, seeds, hardware, seconds, **fields}: one committed measurement."""
    return {
        "command": command_line(module, argv), "seeds": list(seeds),
        "hardware": hardware_summary(), "seconds": round(time.time() - start),
        **fields,
    }  # fmt: skip


def write_record(record: dict[str, Any], path: str | Path) -> None:
    """Write ``record`` as indented JSON at ``path`` and say so."""
    Path(path).write_text(json.dumps(record, indent=1) + "\n")
    print("wrote", path)


def parse_rates(parser, text: str, option: str = "--rates") -> tuple[float, ...]:
    """Return the sorted learning rates of a comma-separated ``option``; ``parser.error`` if bad.

    A grid needs at least three positive rates, so that its best one can lie inside it.
    """
    try:
        rates = tuple(float(r) for r in text.split(","))
    except ValueError:
        parser.error(f"{option} must be comma-separated numbers, got {text!r}")
    if len(rates) < 3 or any(r <= 0 for r in rates):
        parser.error(
            f"{option} needs at least 3 positive rates (a best one inside), got {text!r}"
        )
    return tuple(sorted(rates))


_HEADER = ("command", "seeds", "hardware", "seconds")


def merge_records(parts: Sequence[dict[str, Any]], command: str) -> dict[str, Any]:
    """Return one record holding the seeds of several runs of the same measurement.

    Every part must carry the header fields and ``results`` keyed by seed; apart from the header
    and the results the parts must agree field for field (the same measurement), and no seed may
    appear twice. The merged record's ``command`` is ``command`` (the merge itself), its
    ``seeds`` the parts' seeds in order, its ``seconds`` their sum, and ``parts`` lists each
    part's header so that every seed can still be traced to the run that made it.
    """
    if len(parts) < 2:
        raise ValueError(
            f"parts must hold at least 2 records to merge, got {len(parts)}"
        )
    for index, part in enumerate(parts):
        missing = [k for k in (*_HEADER, "results") if k not in part]
        if missing:
            raise ValueError(f"parts[{index}] is not a committed record: no {missing}")
    first = {k: v for k, v in parts[0].items() if k not in (*_HEADER, "results")}
    for index, part in enumerate(parts[1:], start=1):
        rest = {k: v for k, v in part.items() if k not in (*_HEADER, "results")}
        differ = sorted(
            k for k in set(first) | set(rest) if first.get(k) != rest.get(k)
        )
        if differ:
            raise ValueError(
                f"parts[{index}] is not the same measurement as parts[0]: {differ} differ"
            )
    results = _merged_results([part["results"] for part in parts])
    hardware = list(dict.fromkeys(part["hardware"] for part in parts))
    return {
        "command": command,
        "seeds": [seed for part in parts for seed in part["seeds"]],
        "hardware": "; ".join(hardware),
        "seconds": sum(part["seconds"] for part in parts),
        **first,
        "results": results,
        "parts": [{k: part[k] for k in _HEADER} for part in parts],
    }


def _seeds(mapping: Any) -> bool:
    return isinstance(mapping, dict) and bool(mapping) and all(str(k).isdigit() for k in mapping)


def _join(dicts: list[dict], what: str) -> dict:
    """Return the seed-keyed ``dicts`` joined in seed order; a seed in two of them is an error."""
    joined: dict = {}
    for index, part in enumerate(dicts):
        twice = sorted(set(joined) & set(part))
        if twice:
            raise ValueError(f"parts[{index}] repeats seed(s) {twice} of an earlier part{what}")
        joined.update(part)
    return dict(sorted(joined.items(), key=lambda item: int(item[0])))


def _merged_results(results: list[dict]) -> dict:
    """Join the parts' results: keyed by seed, or by field with each field keyed by seed.

    Field by field (``regularisation``'s records), a field that is not keyed by seed summarises
    the seeds of its part (a median, a spread) and is left out; the readers recompute it.
    """
    if all(_seeds(part) for part in results):
        return _join(results, "")
    for index, part in enumerate(results):
        if not any(_seeds(value) for value in part.values()):
            raise ValueError(
                f"parts[{index}] has results that are not keyed by seed: {sorted(part)}"
            )
    fields = [k for k, v in results[0].items() if _seeds(v)]
    return {k: _join([part[k] for part in results], f" in {k!r}") for k in fields}


def main(argv: Sequence[str] | None = None) -> None:
    """``merge A.json B.json … --output C.json``: join runs of one measurement (see above)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m alexnet_core.lab.records")
    parser.add_argument("what", choices=("merge",))
    parser.add_argument("parts", nargs="+", help="the records to join, in seed order")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    try:
        parts = [json.loads(Path(path).read_text()) for path in args.parts]
        merged = merge_records(parts, command_line("alexnet_core.lab.records", argv))
    except (OSError, ValueError) as error:  # json.JSONDecodeError is a ValueError
        parser.error(str(error))
    write_record(merged, args.output)


if __name__ == "__main__":
    main()
