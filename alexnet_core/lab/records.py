"""The header every committed measurement carries: the command that made it, the machine, the time.

``book/data/*.json`` files are written by the lab's ``python -m alexnet_core.lab.<module>``
commands. Each starts with the same fields so a reader (and a chapter) can tell how to make it
again: ``command`` (exactly as typed), ``seeds``, ``hardware`` and ``seconds``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from ..runtime import hardware_summary

__all__ = ["command_line", "run_record", "write_record"]


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
