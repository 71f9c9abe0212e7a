"""One check at a time per process: what normlang promises a program that uses threads.

The engine builds its z3 terms in z3's default context (a module global of z3's Python
API, renewed for every check), sets z3's process-wide parameters (seeds, memory), pauses
Python's cycle collector, and times each solver call with one watchdog that interrupts one
context. None of that can be shared by two checks at once: from 8 threads, z3 raised
"Context mismatch" on every run and crashed the process in some. So every entry point that
uses z3 (`api.check`, `diff`, the clash edges of `graph`, a partial `query`) holds `CHECK_LOCK` while it
runs: threads may call the library freely, and their checks run one after another, each
with the same answers as alone. (Parallelism is by processes: `CheckOptions.jobs`.)
"""

from __future__ import annotations

import threading

#: held by whatever uses z3 (re-entrant: a check may call another entry point)
CHECK_LOCK = threading.RLock()
