"""What a fresh z3 context per checked spec costs, and what it buys.

normcheck gives every root file (and every chunk of a large one) a new z3 context,
so that its findings, witnesses included, depend on that spec alone: not on the
files checked before it in the same process, so not on `--jobs` nor on which
results came from the cache. Making and freeing a context is mostly z3
initialising its term table, a fixed cost per spec that dominates the cold
`normcheck examples/` run. This script measures both sides, in one process:

1. the checking time of every root under `examples/`, with a fresh context per root
   (as shipped) and with one context shared by all of them (medians of passes);
2. the serial start-up that the two worker processes wait for: importing z3 and
   normlang, and the part of it that is Python creating normlang's frozen dataclasses
   (medians of fresh processes);
3. how many random small specs (the oracle tests' strategy) get different findings
   when checked, in shuffled order, in one shared context rather than each in a
   fresh one; and, as a control, when each is checked again in a fresh one.

    python bench/fresh_contexts.py [--specs 300] [--passes 7]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

import z3

from normlang import (
    checks,
    cli,
)
from normlang.api import CheckOptions
from normlang.checks import tasks


@contextlib.contextmanager
def shared_context() -> Iterator[None]:
    """Every check in this block uses one z3 context, never freed in between."""
    context = z3.Context()
    fresh, restore = checks.fresh_z3_context, tasks._set_z3_default_context

    def use_shared() -> None:
        z3.z3._main_ctx = context

    checks.fresh_z3_context = use_shared
    tasks._set_z3_default_context = lambda _context: None
    try:
        yield
    finally:
        checks.fresh_z3_context, tasks._set_z3_default_context = fresh, restore


def check_examples() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(["--no-cache", "--jobs", "1", str(HERE.parent / "examples")])


def median_ms(run: Callable[[], None], passes: int) -> float:
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def timing(passes: int) -> None:
    check_examples()  # imports, parser tables, first faults: paid by neither mode below
    fresh = median_ms(check_examples, passes)
    with shared_context():
        shared = median_ms(check_examples, passes)
    roots = len(cli.discover([HERE.parent / "examples"], [], HERE.parent))
    print(f"checking the {roots} roots of examples/ in one process, median of {passes} passes:")
    print(f"  a fresh context per root  {fresh:6.0f} ms")
    print(f"  one shared context        {shared:6.0f} ms  ({fresh - shared:.0f} ms, "
          f"{(fresh - shared) / fresh:.0%} less)")


#: run in a fresh process: seconds to import z3, then normlang's checking modules, and the
#: part of the latter spent in `dataclasses` building classes
IMPORTS = """
import dataclasses, time
spent = [0.0]
build = dataclasses._process_class
def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return build(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - start
dataclasses._process_class = timed
start = time.perf_counter()
import z3
middle = time.perf_counter()
import normlang.cli.main, normlang.checks, normlang.model.loader, normlang.syntax.parser, normlang.report.text
print(middle - start, time.perf_counter() - middle, spent[0])
"""


def imports(passes: int) -> None:
    import subprocess

    rows = [list(map(float, subprocess.run([sys.executable, "-c", IMPORTS], check=True,
                                           capture_output=True, text=True).stdout.split()))
            for _ in range(passes)]
    z3_s, normlang_s, classes_s = (statistics.median(column) * 1000 for column in zip(*rows))
    print(f"importing, in a fresh process, median of {passes}:")
    print(f"  z3                        {z3_s:6.0f} ms")
    print(f"  normlang's modules        {normlang_s:6.0f} ms, of which creating dataclasses "
          f"{classes_s:.0f} ms")


def findings_of(spec: object) -> list[tuple[str, ...]]:
    found = checks.run_checks(spec, CheckOptions(jobs=1))  # type: ignore[arg-type]
    return [(f.kind, f.message, repr(f.witness), str(f.help)) for f in found]


def history(count: int, seed: int) -> None:
    import strategies
    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        specs = [strategies.specs().example() for _ in range(count)]
    alone = [findings_of(spec) for spec in specs]
    order = list(range(count))
    random.Random(seed).shuffle(order)
    again = sum(findings_of(specs[i]) != alone[i] for i in order)
    with shared_context():
        shared = sum(findings_of(specs[i]) != alone[i] for i in order)
    print(f"{count} random specs, each first checked in a fresh context, then again in shuffled order:")
    print(f"  each in a fresh context again   {again:4} differ")
    print(f"  all in one shared context       {shared:4} differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=300)
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    timing(args.passes)
    imports(args.passes)
    history(args.specs, args.seed)


if __name__ == "__main__":
    main()
