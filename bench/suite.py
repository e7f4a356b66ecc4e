"""Wall time of the test suite: `pytest --nbval` as a whole and per chapter, on this machine.

    python -m bench.suite            # runs the README's test command once (minutes), prints the table
    python -m bench.suite --save     # also writes bench/suite.md

Goal (issue "Benchmarks"): the whole suite under 8 minutes and every chapter under 60 s on a 2-core CPU.
Per-chapter time is the sum of its cells' times in pytest's JUnit XML report (nbval runs one chapter
in one kernel, cell after cell), plus the kernel start-up that pytest charges to the first cell.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL_SUITE_S, GOAL_CHAPTER_S = 8 * 60, 60


def run() -> tuple[float, dict[str, float], int]:
    """Return (suite wall seconds, {chapter: seconds}, pytest exit code) for one `pytest --nbval`."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        start = time.perf_counter()
        finished = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", f"--junitxml={report}"],
                                  cwd=ROOT, env={**os.environ, "TQDM_DISABLE": "1"}, capture_output=True, text=True)
        wall = time.perf_counter() - start
        chapters: dict[str, float] = defaultdict(float)
        for case in ElementTree.parse(report).iter("testcase"):
            if case.get("name", "").startswith("Cell "):  # an nbval cell; classname names its notebook
                chapters[case.get("classname", "?")] += float(case.get("time", 0.0))
    return wall, dict(chapters), finished.returncode


def markdown(wall: float, chapters: dict[str, float], code: int) -> str:
    lines = [f"- `pytest --nbval` (unit tests + every chapter): **{wall:.0f} s** wall (goal < {GOAL_SUITE_S} s); exit code {code}",
             "", "| chapter | seconds | under 60 s |", "|---|---:|:---:|"]
    for chapter, seconds in sorted(chapters.items()):
        lines.append(f"| {chapter} | {seconds:.1f} | {'yes' if seconds < GOAL_CHAPTER_S else '**no**'} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from .__main__ import header

    start_header = header()  # the load average before the run, not after it
    wall, chapters, code = run()
    text = "# Test-suite wall time\n\n" + start_header + "\n\n" + markdown(wall, chapters, code) + "\n"
    print(text)
    if "--save" in argv:
        (HERE / "suite.md").write_text(text)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
