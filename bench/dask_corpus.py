#!/usr/bin/env python3
"""Many roots sharing one policy, checked here and on a Dask cluster, timed; printed.

    python bench/dask_corpus.py                          # 2,000 roots x a 1,000-norm policy
    python bench/dask_corpus.py --roots 200 --norms 1000 # smaller, for a shared machine

Writes `policy/` (a book from `generate.py`) and `root_NNNN.norm` files, each an operator's
spec that imports the policy (`import "policy/main.norm"`) and adds an agent, an action, a
norm and `expect user complies with regulation for OPERATOR`. Then:

- `normcheck --no-cache --format json --executor local --jobs J` on the corpus, wall time;
- the same with `--executor dask://...` on a `LocalCluster` of W worker processes (one
  thread each) on 127.0.0.1, started here; its output must be the local run's, byte for
  byte (exit 1 otherwise);
- the cluster's own cost per task: T trivial tasks through `Client.get_executor()`, all
  at once (throughput) and one after another (round trip); and the client's own work per
  root before it sends one (`model.gather`: reading what the root imports, and the split
  into bytes shared by all roots).

Needs `pip install 'normlang[dask]'`. Timings are wall clock on whatever else the machine
is doing; the command line and the sizes are printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def write_corpus(folder: Path, roots: int, norms: int, seed: int) -> None:
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--norms", str(norms),
                    "--out", str(folder / "policy"), "--seed", str(seed)],
                   check=True, capture_output=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'corpus'\n", encoding="utf-8")
    for index in range(roots):
        name = f"op{index:04d}"
        (folder / f"root_{index:04d}.norm").write_text(
            f"# {name}'s spec, checked against the shared policy\n"
            f'import "policy/main.norm"\n'
            f"agent {name}\naction {name}.serve\nfact {name}_ready: bool\n"
            f"norm {name}_serves @user\n  when {name}_ready\n  {name} must serve\n"
            f"expect user complies with regulation for {name}\n", encoding="utf-8")


def normcheck(folder: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of normcheck and its worker processes, and the output."""
    command = [shutil.which("normcheck") or "normcheck", "--no-cache", "--format", "json",
               *args, "."]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, done.stdout


def _cpu_seconds() -> float:
    import psutil  # installed with distributed

    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def workers_cpu(client: object) -> float:
    """CPU seconds the cluster's worker processes have used so far, all together."""
    return sum(client.run(_cpu_seconds).values())  # type: ignore[attr-defined]


def client_cost(folder: Path) -> float:
    """Seconds per root of what the client does before sending a root: `gather` (reading
    what it imports) and the snapshot's split into shared bytes, here in this process."""
    sys.path.insert(0, str(BENCH.parent))
    from normlang.core.options import CheckOptions
    from normlang.model.gather import gather

    roots = sorted(folder.glob("root_*.norm"))
    limit = CheckOptions().max_file_bytes
    here = Path.cwd()
    os.chdir(folder)
    try:
        started = time.perf_counter()
        for root in roots:
            gather(root.relative_to(folder), limit).snapshot().split()
        return (time.perf_counter() - started) / len(roots)
    finally:
        os.chdir(here)


def _nothing(index: int) -> int:
    return index


def task_overhead(client: object, count: int) -> tuple[float, float]:
    """Seconds per trivial task: `count` at once (throughput), then 50 one by one (latency)."""
    executor = client.get_executor(pure=False)  # type: ignore[attr-defined]
    started = time.perf_counter()
    assert list(executor.map(_nothing, range(count))) == list(range(count))
    at_once = (time.perf_counter() - started) / count
    started = time.perf_counter()
    for index in range(50):
        assert executor.submit(_nothing, index).result() == index
    return at_once, (time.perf_counter() - started) / 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roots", type=int, default=2000, help="root files (default 2000)")
    parser.add_argument("--norms", type=int, default=1000, help="norms of the shared policy")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the local run")
    parser.add_argument("--tasks", type=int, default=1000, help="trivial tasks timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="corpus folder (default: a temporary one)")
    args = parser.parse_args(argv)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        sys.exit("needs Dask: pip install 'normlang[dask]'")
    folder = args.out or Path(tempfile.mkdtemp(prefix="normlang-dask-"))
    folder.mkdir(parents=True, exist_ok=True)
    write_corpus(folder, args.roots, args.norms, args.seed)
    print(f"corpus: {args.roots} roots x a {args.norms}-norm policy in {folder}; "
          f"{os.cpu_count()} cores; command: {' '.join(sys.argv)}", flush=True)
    local_s, local_cpu, local_out = normcheck(folder, "--executor", "local", "--jobs",
                                              str(args.jobs))
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", scheduler_port=0, dashboard_address="127.0.0.1:0",
                           silence_logs=50)
    try:
        with Client(cluster, set_as_default=False) as client:
            address = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
            client.wait_for_workers(args.workers)
            idle = workers_cpu(client)
            dask_s, client_cpu, dask_out = normcheck(folder, "--executor", address)
            worker_cpu = workers_cpu(client) - idle
            at_once, one_by_one = task_overhead(client, args.tasks)
    finally:
        cluster.close()
    same = dask_out == local_out
    prepare = client_cost(folder)
    n = args.roots
    print(f"| run | wall s | wall s per root | CPU s per root |\n|---|---:|---:|---:|\n"
          f"| `--executor local --jobs {args.jobs}` | {local_s:.1f} | {local_s / n:.3f} | "
          f"{local_cpu / n:.3f} |\n"
          f"| `--executor dask://` ({args.workers} workers) | {dask_s:.1f} | {dask_s / n:.3f} | "
          f"{worker_cpu / n:.3f} on workers + {client_cpu / n:.3f} on the client |\n"
          f"cluster overhead: {at_once * 1000:.2f} ms a trivial task ({args.tasks} at once), "
          f"{one_by_one * 1000:.2f} ms round trip (one at a time); the client's own work "
          f"before sending a root: {prepare * 1000:.2f} ms\n"
          f"outputs identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
