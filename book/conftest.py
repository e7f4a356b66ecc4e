"""Peak memory and time of every chapter under `pytest --nbval`: each must stay under 2 GiB of RAM.

nbval runs each chapter in its own Jupyter kernel process. After every cell this reads the kernel's
high-water mark of resident memory (``VmHWM`` in ``/proc/<pid>/status``, Linux); after a chapter's
last cell it fails that cell if the peak passed the limit, and the terminal summary lists the peak
of every chapter, so the figure is measured on every run rather than claimed once. The summary also
gives each chapter's seconds (its cells' setup, call and teardown, kernel start included), against
the 60 s budget of the quick configuration; time is reported, not enforced (a busy machine is slower).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

LIMIT_MIB = float(os.environ.get("BOOK_RAM_LIMIT_MIB", 2048))  # the env variable is for checking that the limit bites
TIME_BUDGET_S = 60.0
PEAKS: dict[str, float] = {}
SECONDS: dict[str, float] = {}  # chapter -> wall time of its cells
UNMEASURED: dict[str, str] = {}  # chapter -> why its peak could not be read


def _kernel_peak_mib(item) -> tuple[float | None, str]:
    """Return (the kernel process's peak resident memory in MiB, or None; why not)."""
    kernel = getattr(item.parent, "kernel", None)
    provisioner = getattr(getattr(kernel, "km", None), "provisioner", None)
    process = getattr(provisioner, "process", None)
    pid = getattr(process, "pid", None)
    if pid is None:
        return None, "no local kernel process id"
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError as error:
        return None, f"cannot read /proc/{pid}/status ({error.strerror or error})"
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024, ""  # kB -> MiB
    return None, f"/proc/{pid}/status has no VmHWM line"


def _chapter(nodeid: str) -> str | None:
    """Return the chapter of an nbval cell's node id ("book/04_lrn.ipynb::Cell 3"), else None."""
    return nodeid.split("::")[0] if "::Cell " in nodeid else None


def pytest_runtest_logreport(report):
    chapter = _chapter(report.nodeid)
    if chapter is not None:
        SECONDS[chapter] = SECONDS.get(chapter, 0.0) + report.duration


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    chapter = _chapter(item.nodeid)
    if chapter is None:
        return
    peak, why = _kernel_peak_mib(item)
    if peak is None:  # say so: a check that switched itself off must not look like a pass
        if chapter not in UNMEASURED:
            UNMEASURED[chapter] = why
            warnings.warn(f"{chapter}: peak RAM not measured, the {LIMIT_MIB:.0f} MiB limit is not checked: {why}")
        return
    PEAKS[chapter] = max(PEAKS.get(chapter, 0.0), peak)
    last_cell = nextitem is None or _chapter(nextitem.nodeid) != chapter
    if last_cell and PEAKS[chapter] > LIMIT_MIB:
        pytest.fail(f"{chapter}: the quick configuration peaked at {PEAKS[chapter]:.0f} MiB of RAM, over the {LIMIT_MIB:.0f} MiB limit")


def pytest_terminal_summary(terminalreporter):
    for chapter, why in sorted(UNMEASURED.items()):
        terminalreporter.write_line(f"{chapter}: peak RAM NOT measured (limit not checked): {why}")
    if PEAKS or SECONDS:
        terminalreporter.section("peak RAM and time per chapter (kernel VmHWM, quick configuration)")
        for chapter in sorted(set(PEAKS) | set(SECONDS)):
            peak = f"{PEAKS[chapter]:7.0f} MiB" if chapter in PEAKS else "    — MiB"
            seconds = SECONDS.get(chapter, 0.0)
            over = "  OVER the time budget" if seconds > TIME_BUDGET_S else ""
            terminalreporter.write_line(
                f"{chapter:40s} {peak}  (limit {LIMIT_MIB:.0f} MiB)   {seconds:5.1f} s  (budget {TIME_BUDGET_S:.0f} s){over}"
            )
