#!/usr/bin/env python3
"""Whole-process start-up of two installed `normcheck`s side by side, against the floor.

    python bench/startup_ab.py --before /path/to/old/venv/bin/normcheck [--runs 21]

Each round runs, in turn, the floor (`python -c "import z3, lark"`), then every case with
the `before` and the current console script, alternating, so that a noisy machine slows
both alike. Cases: one file cold (`--no-cache`), one file warm (a cache filled by one
untimed run), `examples/` cold and warm. Prints medians, and each median ÷ the floor's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
ONE_FILE = "examples/eu_ai_act/model_spec.norm"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def compile_bytecode(normcheck: str) -> None:
    """Write the bytecode of the normlang that `normcheck` runs, as `pip install` does: with
    PYTHONDONTWRITEBYTECODE set (as on this project's machines) an editable install would
    otherwise compile every module on every run, and cold start-up would be measured ~0.6x
    of the floor too slow (bench/run does the same)."""
    python = Path(normcheck).with_name("python")
    found = subprocess.run([str(python), "-c", "import normlang, os; print(os.path.dirname("
                            "normlang.__file__))"], capture_output=True, text=True, check=False)
    folder = found.stdout.strip()
    if found.returncode == 0 and folder:
        subprocess.run([str(python), "-m", "compileall", "-q", folder], capture_output=True,
                       check=False)


def cases(normcheck: str, cache: Path) -> dict[str, list[str]]:
    return {
        "one file, cold": [normcheck, "--no-cache", ONE_FILE],
        "one file, warm": [normcheck, "--cache-dir", str(cache / "one"), ONE_FILE],
        "examples/, cold": [normcheck, "--no-cache", "examples/"],
        "examples/, warm": [normcheck, "--cache-dir", str(cache / "all"), "examples/"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the other normcheck console script")
    parser.add_argument("--after", default=str(Path(sysconfig.get_path("scripts")) / "normcheck"),
                        help="default: this interpreter's normcheck")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    floor_command = [sys.executable, "-c", "import z3, lark"]
    scratch = Path(tempfile.mkdtemp(prefix="normlang-startup-"))
    try:
        versions = {"before": cases(args.before, scratch / "before"),
                    "after": cases(args.after, scratch / "after")}
        for normcheck in (args.before, args.after):
            compile_bytecode(normcheck)
        for commands in versions.values():  # fill the caches, untimed
            for command in commands.values():
                timed(command)
        times: dict[tuple[str, str], list[float]] = {}
        floor: list[float] = []
        for _ in range(args.runs):
            floor.append(timed(floor_command))
            for case in versions["after"]:
                for version in ("before", "after"):
                    times.setdefault((case, version), []).append(timed(versions[version][case]))
        base = statistics.median(floor)
        print(f"floor `python -c \"import z3, lark\"`: {base * 1000:.0f} ms (median of {args.runs})")
        print("| case | before | after | before ÷ floor | after ÷ floor |")
        print("|---|---|---|---|---|")
        for case in versions["after"]:
            old, new = (statistics.median(times[(case, v)]) for v in ("before", "after"))
            print(f"| {case} | {old * 1000:.0f} ms | {new * 1000:.0f} ms | {old / base:.2f}x | "
                  f"{new / base:.2f}x |")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
