"""Peak memory of every chapter under `pytest --nbval`: each must stay under 2 GiB of RAM.

nbval runs each chapter in its own Jupyter kernel process. After every cell this reads the kernel's
high-water mark of resident memory (``VmHWM`` in ``/proc/<pid>/status``, Linux); after a chapter's
last cell it fails that cell if the peak passed the limit, and the terminal summary lists the peak
of every chapter, so the figure is measured on every run rather than claimed once.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

LIMIT_MIB = float(os.environ.get("BOOK_RAM_LIMIT_MIB", 2048))  # the env variable is for checking that the limit bites
PEAKS: dict[str, float] = {}
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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    if "::Cell " not in item.nodeid:
        return
    chapter = item.nodeid.split("::")[0]
    peak, why = _kernel_peak_mib(item)
    if peak is None:  # say so: a check that switched itself off must not look like a pass
        if chapter not in UNMEASURED:
            UNMEASURED[chapter] = why
            warnings.warn(f"{chapter}: peak RAM not measured, the {LIMIT_MIB:.0f} MiB limit is not checked: {why}")
        return
    PEAKS[chapter] = max(PEAKS.get(chapter, 0.0), peak)
    last_cell = nextitem is None or nextitem.nodeid.split("::")[0] != chapter
    if last_cell and PEAKS[chapter] > LIMIT_MIB:
        pytest.fail(f"{chapter}: the quick configuration peaked at {PEAKS[chapter]:.0f} MiB of RAM, over the {LIMIT_MIB:.0f} MiB limit")


def pytest_terminal_summary(terminalreporter):
    for chapter, why in sorted(UNMEASURED.items()):
        terminalreporter.write_line(f"{chapter}: peak RAM NOT measured (limit not checked): {why}")
    if PEAKS:
        terminalreporter.section("peak RAM per chapter (kernel VmHWM, quick configuration)")
        for chapter, peak in sorted(PEAKS.items()):
            terminalreporter.write_line(f"{chapter:40s} {peak:7.0f} MiB  (limit {LIMIT_MIB:.0f} MiB)")
