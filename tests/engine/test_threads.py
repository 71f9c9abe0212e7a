"""The library from several threads (issue 18 item 10): checks, diffs and graphs run one
at a time per process (`core.one_check.CHECK_LOCK`), each with the answers it has alone.
Before, 8 threads raised z3's "Context mismatch" on every run and crashed the process in
some; the test runs in a child process so that such a crash fails it instead of pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from normlang.api import check_path, load
from normlang.runtime.meaning import clash_pairs, diff_specs

roots = [Path(p) for p in sys.argv[1:]]

def findings(path):
    return [(f.kind, f.span.path, f.span.line, f.message) for f in check_path(path).findings]

alone = {root: findings(root) for root in roots}
old, new = load(roots[0]).spec, load(roots[1]).spec
diff_alone = diff_specs(old, new)
clash_alone = clash_pairs(new)
jobs = [roots[i % len(roots)] for i in range(16)]
with ThreadPoolExecutor(max_workers=8) as pool:
    checked = list(pool.map(findings, jobs))
    diffs = list(pool.map(lambda _: diff_specs(old, new), range(4)))
    clashes = list(pool.map(lambda _: clash_pairs(new), range(4)))
assert all(checked[i] == alone[root] for i, root in enumerate(jobs)), "findings differ"
assert all(d == diff_alone for d in diffs), "diffs differ"
assert all(c == clash_alone for c in clashes), "clash pairs differ"
print("ok", len(jobs))
"""


def test_eight_threads_check_diff_and_graph_as_one_would() -> None:
    roots = [REPO / "examples" / "eu_ai_act" / "model_spec.norm",
             REPO / "examples" / "eu_ai_act_fixed" / "model_spec.norm",
             REPO / "examples" / "chain_of_command" / "user.norm"]
    assert all(root.exists() for root in roots)
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, roots)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.startswith("ok 16"), done.stderr[-3000:]


QUERY_CHILD = r"""
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from normlang import check_path, load, query

root = Path(sys.argv[1])
spec = load(root).spec
partial = {"risk_class": "high"}  # facts left out: the solver lists the open situations

def answer(_):
    result = query(spec, partial)
    return dict(result.statuses), result.depends_on

alone = answer(0)
def mixed(i):
    return answer(i) if i % 2 else [f.message for f in check_path(root).findings]

with ThreadPoolExecutor(max_workers=8) as pool:
    answers = list(pool.map(answer, range(32)))
    both = list(pool.map(mixed, range(16)))
assert all(a == alone for a in answers), "answers differ"
assert all(b == alone for i, b in enumerate(both) if i % 2), "answers differ beside checks"
print("ok", len(answers))
"""


def test_eight_threads_query_partial_situations_as_one_would() -> None:
    # a query that leaves facts out asks z3 which situations they leave open: from 8
    # threads (and beside checks, which renew z3's default context) that raised z3
    # errors ("unreachable", "invalid dec_ref command"), wrong QueryErrors, and segfaulted
    root = REPO / "examples" / "eu_ai_act" / "model_spec.norm"
    done = subprocess.run([sys.executable, "-c", QUERY_CHILD, str(root)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.startswith("ok 32"), \
        (done.returncode, done.stderr[-3000:])
