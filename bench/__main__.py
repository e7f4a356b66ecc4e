"""Run every benchmark and print (and save) one table: python -m bench [--full] [--save].

    python -m bench            # quick: under 5 minutes on a 2-core CPU
    python -m bench --full     # bigger batches, more rounds (CUDA columns when a GPU is present)
    python -m bench --save     # also write bench/results.md and bench/results.json
    python -m bench --only augment,loader   # some sections (lrn, augment, model, loader); not with --save

Each section compares alexnet_core with what a user would pick instead, in one process, on the same
inputs, interleaving the contenders and taking medians. The header names the date, hardware, load
and library versions, because a timing means nothing without them.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch
import torchvision

from alexnet_core.runtime import cpu_name

from . import augment, loader, lrn, model

HERE = Path(__file__).resolve().parent
SECTIONS = {  # --only name: (title, module)
    "lrn": ("LRN forward+backward vs torch.nn.LocalResponseNorm", lrn),
    "augment": ("Augmentation: crop + flip + PCA lighting", augment),
    "model": ("Model training step and the two-tower split", model),
    "loader": ("Input pipeline: prepared uint8 storage vs torchvision ImageFolder", loader),
}


def header() -> str:
    """Return a markdown header naming date, hardware, load and versions."""
    cpu = cpu_name()  # the model name from /proc/cpuinfo where there is one
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (GPU columns: not measured)"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n"
        f"- CPU: {cpu}, {os.cpu_count()} logical cores, torch threads {torch.get_num_threads()}; load average at start {load:.1f}\n"
        f"- GPU: {gpu}\n"
        f"- python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}"
    )


def main(argv: list[str]) -> int:
    quick = "--full" not in argv
    only = list(SECTIONS)
    if "--only" in argv:
        names = argv[argv.index("--only") + 1].split(",") if argv.index("--only") + 1 < len(argv) else []
        unknown = [name for name in names if name not in SECTIONS]
        if not names or unknown:
            print(f"--only must be a comma-separated list of {', '.join(SECTIONS)}, got {unknown or names!r}", file=sys.stderr)
            return 2
        if "--save" in argv:
            print("--save writes every section to bench/results.md; run it without --only", file=sys.stderr)
            return 2
        only = names
    head = header()  # before the run: its load average is the one the timings met
    start = time.perf_counter()
    sections = {}
    results = {}
    for name, module in (SECTIONS[key] for key in only):
        rows = module.run(quick=quick)
        results[name] = rows
        sections[name] = module.markdown(rows)
        print(f"## {name}\n\n{sections[name]}\n", flush=True)
    elapsed = time.perf_counter() - start
    text = "# alexnet_core benchmarks\n\n" + head + f"\n- mode: {'quick' if quick else 'full'}; total {elapsed:.0f} s\n\n"
    text += "\n\n".join(f"## {name}\n\n{table}" for name, table in sections.items()) + "\n"
    print(head)
    print(f"total {elapsed:.0f} s")
    if "loader" in only:
        print(loader.summary(results[SECTIONS["loader"][0]]))  # the last line, by design
    if "--save" in argv:
        (HERE / "results.md").write_text(text)
        (HERE / "results.json").write_text(json.dumps({"header": head, "results": results}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
