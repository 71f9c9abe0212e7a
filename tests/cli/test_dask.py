"""`normcheck --executor dask://HOST:PORT`: the same findings, byte for byte, from a real Dask
cluster (a scheduler and two worker processes on 127.0.0.1, started here), which reads no
file of the project itself; a worker killed under its task costs that task one retry, then
a `solver-unknown` for its root, never a pass; a bad address is a usage error."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from cli_helpers import REPO, cli_env, run_in, write

#: a task that checks one root (`normlang.cli.remote.check_snapshot`), by its key
CHECK_TASK = "check_snapshot-"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The address of a `LocalCluster` (dask_cluster.py) running in a process of its own."""
    helper = subprocess.Popen([sys.executable, str(Path(__file__).with_name("dask_cluster.py"))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert helper.stdout is not None
        address = helper.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        yield address
    finally:
        assert helper.stdin is not None and helper.stdout is not None
        helper.stdin.close()
        try:
            helper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        helper.stdout.close()


@pytest.fixture(scope="module")
def client(cluster: str) -> Iterator[distributed.Client]:
    with distributed.Client(cluster, set_as_default=False) as watcher:
        yield watcher


@pytest.fixture
def executor(cluster: str, client: distributed.Client) -> str:
    client.wait_for_workers(2, timeout=60)
    return "dask://" + cluster.removeprefix("tcp://")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples, and a small generated corpus: roots sharing one policy book, a moral
    graph, an import through a link, a missing import, one written over two lines (which the
    client's scan of imports misses), a file that is not UTF-8."""
    where = tmp_path_factory.mktemp("corpus")
    shutil.copytree(REPO / "examples", where / "examples")
    (where / "pyproject.toml").write_text("[project]\nname = 'corpus'\n", encoding="utf-8")
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--norms", "60",
                    "--out", str(where / "corpus" / "policy"), "--seed", "3"],
                   check=True, capture_output=True, timeout=120)
    roots = where / "corpus"
    for index in range(6):
        write(roots / f"root_{index}.norm", f'import "policy/main.norm"\nagent op{index}\n'
              f"action op{index}.act\nfact f{index}: bool\n"
              f"norm on{index} when f{index} op{index} must act\n"
              + (f"norm off{index} when f{index} op{index} must not act\n" if index % 2 else ""))
    write(roots / "values.json", json.dumps({"values": [
        {"id": 1, "title": "Care", "description": "c"},
        {"id": 2, "title": "Candour", "description": "d"}],
        "edges": [{"sourceValueId": 1, "wiserValueId": 2, "contexts": ["when asked"]}]}))
    write(roots / "valued.norm", 'import values "values.json"\nagent a\naction a.x\n'
                                 "norm n a must x\n")
    write(roots / "parts" / "real.norm", "agent b\naction b.y\nnorm m b must y\nnorm k b must not y\n")
    (roots / "linked").mkdir()
    (roots / "linked" / "link.norm").symlink_to(roots / "parts" / "real.norm")
    write(roots / "through_link.norm", 'import "linked/link.norm"\n')
    write(roots / "missing.norm", 'import "nowhere.norm"\nagent c\n')
    write(roots / "two_lines.norm", 'import\n  "parts/real.norm"\nagent d\n')
    (roots / "latin1.norm").write_bytes(b"agent caf\xe9\n")
    return where


def both(corpus: Path, executor: str, *paths: str, fmt: str = "text"
         ) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    args = [*paths, "--no-cache", "--verbose", "--format", fmt]
    return run_in(corpus, *args, "--executor", executor), run_in(corpus, *args, "--jobs", "2")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_examples_and_a_generated_corpus_check_the_same_on_the_cluster(
        corpus: Path, executor: str, fmt: str) -> None:
    remote, local = both(corpus, executor, "examples", "corpus", fmt=fmt)
    assert remote.stdout == local.stdout, remote.stderr
    assert remote.returncode == local.returncode == 1
    if fmt == "json":
        kinds = {f["kind"] for f in json.loads(remote.stdout)["findings"]}
        assert {"conflict", "import-error", "syntax-error"} <= kinds
    else:
        assert "file `corpus/nowhere.norm` does not exist" in remote.stdout
        assert "not UTF-8" in remote.stdout


def test_the_client_caches_what_the_cluster_found(corpus: Path, executor: str,
                                                  tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    # roots whose results can be cached (a missing import's cannot: the file may appear)
    roots = [f"corpus/root_{index}.norm" for index in range(6)] + ["corpus/valued.norm"]
    remote = run_in(corpus, *roots, "--cache-dir", cache, "--executor", executor)
    warm = run_in(corpus, *roots, "--cache-dir", cache, "--executor", "local",
                  env=cli_env(NORMCHECK_DEBUG_IMPORTS="1"))
    assert warm.stdout == remote.stdout
    assert "heavy modules imported: none" in warm.stderr, "every root came from the cache"


def test_the_config_names_the_cluster_and_the_flag_overrides_it(
        corpus: Path, executor: str, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(corpus / "corpus" / "parts", project / "parts")
    write(project / "uses.norm", 'import "parts/real.norm"\nagent e\naction e.z\nnorm z e must z\n')
    reference = run_in(project, ".", "--no-cache")
    (project / "pyproject.toml").write_text(f'[tool.normcheck]\nexecutor = "{executor}"\n',
                                            encoding="utf-8")
    configured = run_in(project, ".", "--no-cache", env=cli_env(DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s"))
    assert (configured.stdout, configured.returncode) == (reference.stdout, reference.returncode)
    (project / "pyproject.toml").write_text('[tool.normcheck]\nexecutor = "dask://nowhere"\n',
                                            encoding="utf-8")
    bad = run_in(project, ".", "--no-cache")
    assert bad.returncode == 2
    assert "pyproject.toml:2: `executor`: unknown executor `dask://nowhere`" in bad.stderr
    overridden = run_in(project, ".", "--no-cache", "--executor", "local")
    assert (overridden.stdout, overridden.returncode) == (reference.stdout, reference.returncode)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("address", ["dask://", "dask://127.0.0.1", "dask://127.0.0.1:0",
                                     "dask://127.0.0.1:70000", "tcp://127.0.0.1:8786", "Local"])
def test_a_malformed_executor_is_a_usage_error(corpus: Path, address: str) -> None:
    result = run_in(corpus, "corpus/parts", "--no-cache", "--executor", address)
    assert result.returncode == 2
    assert f"--executor: unknown executor `{address}`; expected `local` or `dask://HOST:PORT`" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_scheduler_is_a_usage_error_within_the_connect_timeout(corpus: Path) -> None:
    started = time.monotonic()
    result = run_in(corpus, "corpus/parts", "--no-cache", "--executor", f"dask://127.0.0.1:{_free_port()}",
                    env=cli_env(DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s"))
    assert result.returncode == 2, result.stderr
    assert "normcheck: error: cannot reach the Dask scheduler at tcp://127.0.0.1:" in result.stderr
    assert "within 1 s" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert time.monotonic() - started < 30


def test_a_plain_run_does_not_import_dask(corpus: Path) -> None:
    probe = ("import sys\nfrom normlang.cli.main import main\ncode = main(['corpus', '--no-cache'])\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')),"
             " code, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=corpus, env=cli_env(),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.stderr.strip().endswith("[] 1"), result.stderr


def _kill_workers_under_check_tasks(client: distributed.Client, kills: int | None,
                                    stop: threading.Event,
                                    prefixes: tuple[str, ...] = ("check_snapshot-",)) -> list[str]:
    """SIGKILL the worker process running a task whose key starts with one of `prefixes`,
    `kills` times (each a new task), or under every such task until `stop` when None."""
    killed: list[str] = []
    deadline = time.monotonic() + 120
    while (kills is None or len(killed) < kills) and not stop.is_set() and time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            key = next((str(k) for k in keys if str(k).startswith(prefixes) and str(k) not in killed),
                       None)
            if key is None:
                continue
            time.sleep(0.3)  # well inside the check, past unpacking the task
            pids = client.run(os.getpid, workers=[worker])
            os.kill(pids[worker], signal.SIGKILL)
            killed.append(key)
            break
        time.sleep(0.02)
    return killed


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root whose check takes long enough (about a second) to kill its worker under it."""
    where = tmp_path_factory.mktemp("book")
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--norms", "1000",
                    "--out", str(where), "--seed", "5"], check=True, capture_output=True, timeout=120)
    return where


@pytest.mark.parametrize(("kills", "prefixes"), [
    (1, ("check_snapshot-",)), (1, ("check_chunk-",)),
    (None, ("check_snapshot-", "check_chunk-"))])
def test_a_worker_killed_under_a_task_costs_one_retry_then_solver_unknown(
        book: Path, executor: str, client: distributed.Client, kills: int | None,
        prefixes: tuple[str, ...]) -> None:
    """The book's root is split in chunks (its root task comes back, its chunks are tasks of
    their own): a root or chunk task killed once is retried; under every task of the run,
    a chunk dies twice and the root is `solver-unknown`."""
    stop = threading.Event()
    killed: list[str] = []
    killer = threading.Thread(target=lambda: killed.extend(
        _kill_workers_under_check_tasks(client, kills, stop, prefixes)))
    killer.start()
    try:
        remote = run_in(book, "main.norm", "--no-cache", "--executor", executor)
    finally:
        stop.set()
        killer.join()
    assert remote.returncode == 1
    if kills == 1:  # the retry ran on a live worker: the findings of a local run
        assert len(killed) == 1 and killed[0].startswith(prefixes), remote.stderr
        local = run_in(book, "main.norm", "--no-cache")
        assert remote.stdout == local.stdout
    else:
        assert len(killed) >= 2, remote.stderr
        assert "error[solver-unknown]" in remote.stdout
        assert "could not check this file: a worker process ended early" in remote.stdout
        assert "error[conflict]" not in remote.stdout

#: a task that checks one chunk of a large root's groups (`normlang.cli.remote.check_chunk`)
CHUNK_TASK = "check_chunk-"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_large_roots_chunks_run_as_tasks_of_their_own_with_the_local_findings(
        tmp_path_factory: pytest.TempPathFactory, executor: str, client: distributed.Client,
        fmt: str) -> None:
    where = tmp_path_factory.mktemp("large")
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--norms", "1500",
                    "--out", str(where), "--seed", "1"], check=True, capture_output=True, timeout=120)
    args = ["main.norm", "--no-cache", "--format", fmt]
    before = client.run(_laid_out)
    with distributed.get_task_stream(client=client) as stream:
        remote = run_in(where, *args, "--executor", executor)
    local = run_in(where, *args, "--executor", "local", "--jobs", "2")
    assert remote.stdout == local.stdout, remote.stderr
    assert remote.returncode == local.returncode == 1
    assert "solver-unknown" not in remote.stdout
    chunks = [task["key"] for task in stream.data if str(task["key"]).startswith(CHUNK_TASK)]
    # two passes (conflicts, then the other checks) over at least two chunks of 400 norms
    assert len(chunks) >= 4, sorted({str(task["key"]).split("-")[0] for task in stream.data})
    # each worker laid the spec out once, for all the chunks it ran
    after = client.run(_laid_out)
    loads = {worker: after[worker] - before.get(worker, 0) for worker in after}
    assert sum(loads.values()) >= 1 and max(loads.values()) == 1, loads


def _laid_out() -> int:
    """On a worker: how many specs it has laid out for chunk tasks."""
    from normlang.cli import remote

    return remote.laid_out
