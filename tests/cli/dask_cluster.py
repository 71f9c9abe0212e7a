"""A Dask `LocalCluster` for the tests, in a process of its own (so that the processes it
starts, multiprocessing's resource tracker among them, are never the test process's own
children): a scheduler and two one-thread worker processes on 127.0.0.1. Prints the
scheduler's address, then runs until its standard input is closed.

The scheduler gives up on a task at its first lost worker, so that the one retry a test
sees is normcheck's own (Dask's default would first try up to 3 more workers).
"""

from __future__ import annotations

import sys

import dask
from distributed import LocalCluster


def main() -> None:
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", scheduler_port=0,
                               dashboard_address="127.0.0.1:0", silence_logs=50)
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()
    cluster.close()


if __name__ == "__main__":
    main()
