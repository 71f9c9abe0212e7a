"""`normcheck`: check .norm files; query a situation; export the graph; diff two versions.

Exit codes: 0 no error finding; 1 an error finding (or a warning with
`--strict`); 2 a usage error. Output goes to stdout, progress to stderr.
Heavy modules (lark, z3, networkx) are imported only when a file must really
be checked, so `--version` and a fully cached run stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..core.version import __version__
from ..model.projects import marked_folder
from ..report import FORMATS
from .config import Config, ConfigError, load_config

#: typing.TYPE_CHECKING without importing typing. A warm run imports only this module,
#: config, report (for FORMATS) and cache: findings, sources and renderers are imported
#: where a run really builds findings.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from ..core.findings import Finding
    from ..core.options import CheckOptions
    from ..core.source import SourceFile
    from ..model.resolve import Loader
    from ..model.spec import Spec
    from .cache import Cache

    #: one checked root: its findings and the sources they point into
    Outcome = tuple[list[Finding], dict[str, SourceFile]]

SUBCOMMANDS = ("check", "query", "graph", "diff")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
#: results that depend on more than the bytes of the files read: never cached
UNCACHEABLE_KINDS = frozenset({"import-error", "solver-unknown"})
#: kinds that `--select` and `--ignore` never hide (see `filter_findings`): findings.MALFORMED_KINDS
#: and solver-unknown, written out so that a warm run need not import findings
ALWAYS_SHOWN = frozenset({"syntax-error", "name-error", "type-error", "import-error",
                          "solver-unknown"})
HEAVY_MODULES = ("z3", "lark", "networkx")
SKIPPED_DIRS = {"node_modules", "__pycache__", "build", "dist", "venv"}


class UsageError(Exception):
    """A bad command line or configuration (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, **kwargs: Any) -> None:
        # no abbreviations: `--cache x.norm` read as `--cache-dir x.norm` is a surprise
        super().__init__(formatter_class=_formatter, allow_abbrev=False, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops a failed write of --help or --version silently (exit 0)
        if message:
            try:
                (file or sys.stderr).write(message)
            except BrokenPipeError:
                raise
            except OSError as problem:
                raise UsageError(_cannot_write(problem)) from None


def _formatter(prog: str) -> argparse.HelpFormatter:
    # argparse builds a formatter for every add_argument; left to itself, each asks
    # shutil.get_terminal_size, and importing shutil (with bz2 and lzma) costs a run ~2 ms
    return argparse.HelpFormatter(prog, width=_terminal_width() - 2)


def _terminal_width() -> int:
    """What shutil.get_terminal_size() would say: $COLUMNS, else stdout's terminal, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def console() -> NoReturn:
    """The console script: `sys.exit(main())`, without the interpreter's teardown.

    Freeing every object and z3 context one by one at exit costs a cold run ~40 ms, and
    nothing is left to do by then: the output is flushed here, cache files are written
    and renamed before `main` returns, and worker processes have been joined.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with the stream closed (`>&-`): as /dev/null
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    global _owns_process
    _owns_process = True
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left: as in `main`, not an error
        pass
    except OSError as problem:  # what `main` wrote did not fit (a full disk): said plainly
        print(f"normcheck: error: {_cannot_write(problem)}", file=sys.stderr)
        code = EXIT_USAGE
    os._exit(code)


#: whether this process is the console script's (see `console`): only then does a run change
#: what belongs to the whole process, Ctrl-C (`_exit_on_interrupt`) and the allocator
#: (`_keep_freed_memory`); `main` called as a library leaves them to its host
_owns_process = False
_interrupt_handled = False


def _exit_on_interrupt() -> None:
    """Ctrl-C ends the run at once: `normcheck: interrupted` on stderr, exit code 130.

    Only where the console script owns the process, and only once a command has real work
    to do (a run answered from the cache skips it: ~2 ms).

    A KeyboardInterrupt reaches Python code only once z3 returns from a check (seconds, at
    worst), and one raised inside a finalizer is printed and then swallowed. So SIGINT is
    blocked in this thread, and in the threads it starts, and one thread waits for it. Cache
    files are written whole and renamed, so leaving at any point loses nothing. Workers end
    on Ctrl-C themselves, and with this process (see `forked.start_worker`).
    """
    global _interrupt_handled
    if not _owns_process or _interrupt_handled:
        return
    _interrupt_handled = True
    import signal

    if not hasattr(signal, "pthread_sigmask") or signal.getsignal(signal.SIGINT) in (
            signal.SIG_IGN, None):  # no POSIX threads, or started with Ctrl-C ignored
        return
    import threading

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    threading.Thread(target=_wait_for_interrupt, name="normcheck-interrupt", daemon=True).start()


def _wait_for_interrupt() -> None:
    import signal

    signal.sigwait({signal.SIGINT})
    try:
        os.write(2, b"normcheck: interrupted\n")
    finally:
        os._exit(130)


def _write(text: str) -> None:
    """Write the command's output to stdout; failing that (a full disk, a closed file), a
    usage error that says so rather than a traceback. A reader that left (a broken pipe) is
    handled by `main`."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as problem:
        raise UsageError(_cannot_write(problem)) from None


def _cannot_write(problem: OSError) -> str:
    return f"cannot write the output: {problem.strerror or problem}"


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            command, rest = args[0], args[1:]
        else:
            command, rest = "check", args
        commands: dict[str, Callable[[list[str]], int]] = {
            "check": _check, "query": _query, "graph": _graph, "diff": _diff}
        if command != "check":  # a check may be answered from the cache: see `_check_all`
            _exit_on_interrupt()
        return commands[command](rest)
    except UsageError as problem:
        print(f"normcheck: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("normcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    finally:
        if os.environ.get("NORMCHECK_DEBUG_IMPORTS"):
            heavy = [name for name in HEAVY_MODULES
                     if name in sys.modules or name in _worker_imports]
            print(f"normcheck: debug: heavy modules imported: {', '.join(heavy) or 'none'}",
                  file=sys.stderr)


# ---------------------------------------------------------------- check


def _check_parser() -> _Parser:
    parser = _Parser(prog="normcheck", description="Prove .norm specs consistent, or show where "
                     "they conflict. Subcommands: check (default), query, graph, diff.",
                     epilog="exit codes: 0 no error finding, 1 findings of severity error (or "
                     "warnings with --strict), 2 usage error")
    parser.add_argument("paths", nargs="*", help="files or folders (default: config `paths`, "
                        "else the current folder)")
    parser.add_argument("--version", action="version", version=f"normcheck {__version__}")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: text)")
    parser.add_argument("--select", action="append",
                        help="only these finding kinds (comma-separated; may be repeated)")
    parser.add_argument("--ignore", action="append",
                        help="drop these finding kinds (comma-separated; may be repeated)")
    parser.add_argument("--strict", action="store_true", default=None,
                        help="exit 1 on warnings too")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when there are findings (usage errors still exit 2)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    parser.add_argument("-v", "--verbose", action="store_true", default=None,
                        help="show info findings (overridden, value-sacrificed): the default, "
                             "unless the configuration says verbose = false")
    parser.add_argument("--timeout", type=float, help="solver time limit per query, seconds")
    parser.add_argument("--run-timeout", type=float, help="time limit per checked file, seconds")
    parser.add_argument("--jobs", type=int, help="parallel processes (default: number of cores)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", help="cache folder (default: .normcheck_cache in the "
                        "project root)")
    return parser


def _joined(flags: list[str] | None) -> str | None:
    """A repeated `--select`/`--ignore` flag, as one comma-separated list."""
    return None if flags is None else ",".join(flags)


def parse_kinds(text: str | Sequence[str] | None, flag: str) -> set[str]:
    """Finding kinds from a comma-separated flag or a config list; unknown ones are usage errors."""
    from ..core.findings import KINDS

    if text is None:
        return set()
    items = text.split(",") if isinstance(text, str) else [str(item) for item in text]
    kinds = {item.strip() for item in items if item.strip()}
    for kind in sorted(kinds):
        if kind not in KINDS:
            import difflib

            close = difflib.get_close_matches(kind, list(KINDS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise UsageError(f"{flag}: unknown finding kind `{kind}`{hint}")
    return kinds


def _config() -> Config:
    try:
        return load_config(Path.cwd())
    except ConfigError as problem:
        raise UsageError(str(problem)) from None


def _check(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    config = _config()
    fmt = args.format or config.get("format", "text")
    if fmt not in FORMATS:
        raise UsageError(f"{config.where('format')}: unknown format `{fmt}`")
    paths = [Path(p) for p in args.paths] or [config.base / p for p in config.get("paths", [])]
    roots = discover(paths or [Path(".")], list(config.get("exclude", [])), config.base)
    if not roots:
        print("normcheck: warning: no .norm files to check", file=sys.stderr)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    cache = None if args.no_cache else _cache(args.cache_dir, config)
    if cache is not None and not cache.is_its_own_folder():
        print(f"normcheck: warning: `{cache.folder}` holds files that normcheck did not make; "
              "nothing is cached there (give the cache a folder of its own)", file=sys.stderr)
        cache = None
    run_key = cache.run_key(roots, _request(args, config, color)) if cache and roots else None
    # INVARIANT: a command is recorded only after all of the validation below passed, so a
    # replayed one needs none of it (nor the modules it imports)
    replayed = cache.replay(run_key) if cache and run_key else None
    if replayed is None:
        output, code, sources = _check_roots(args, config, roots, fmt, color, cache)
        if cache and run_key and sources is not None:
            cache.record(run_key, sources, (output, code))
    else:
        output, code = replayed
    _write(output)
    return code


def _request(args: argparse.Namespace, config: Config, color: bool) -> str:
    """What, besides the files, can change a command's output or exit code: every flag and
    configuration value, and colour. (Some, like --jobs, cannot: keying on them costs a miss.)"""
    import json

    return json.dumps({"args": vars(args), "config": config.values, "from": str(config.path),
                       "color": color}, sort_keys=True, default=str)


def _check_roots(args: argparse.Namespace, config: Config, roots: list[Path], fmt: str,
                 color: bool, cache: Cache | None,
                 ) -> tuple[str, int, dict[str, SourceFile] | None]:
    """Check (or look up) every root: the output, the exit code, and the files read (None
    when a result could not be cached, so neither can the whole output)."""
    from ..report import Report, render

    select = (parse_kinds(_joined(args.select), "--select")
              or parse_kinds(config.get("select"), f"{config.where('select')}: `select`"))
    ignore = (parse_kinds(_joined(args.ignore), "--ignore")
              | parse_kinds(config.get("ignore"), f"{config.where('ignore')}: `ignore`"))
    verbose = args.verbose if args.verbose is not None else bool(config.get("verbose", True))
    strict = args.strict if args.strict is not None else bool(config.get("strict", False))
    options = _options(args, config)
    jobs = args.jobs if args.jobs is not None else config.get("jobs") or (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    findings, sources, cacheable = run(roots, options, cache, jobs)
    shown = filter_findings(findings, select, ignore, verbose)
    output = render(Report(shown, sources, len(roots)), fmt, color=color, quiet=args.quiet)
    failing = {"error", "warning"} if strict else {"error"}
    failed = not args.exit_zero and any(f.severity.value in failing for f in shown)
    return output, EXIT_FINDINGS if failed else EXIT_OK, sources if cacheable else None


def _options(args: argparse.Namespace, config: Config) -> CheckOptions:
    from ..core.options import CheckOptions

    timeout = args.timeout if args.timeout is not None else config.get("timeout")
    run_timeout = args.run_timeout if args.run_timeout is not None else config.get("run-timeout")
    for name, value in (("timeout", timeout), ("run-timeout", run_timeout)):
        if value is not None and not 0 < value < 10**9:  # NaN fails both comparisons
            if 10**9 <= value < float("inf"):
                raise UsageError(f"--{name} must be below 1,000,000,000 seconds")
            raise UsageError(f"--{name} must be a positive number of seconds")
    defaults = CheckOptions()
    return CheckOptions(
        timeout_ms=max(1, int(timeout * 1000)) if timeout is not None else defaults.timeout_ms,
        run_timeout_s=float(run_timeout) if run_timeout is not None else None,
        memory_mb=config.get("memory-mb", defaults.memory_mb),
        max_file_bytes=config.get("max-file-bytes", defaults.max_file_bytes),
        max_nesting=config.get("max-nesting", defaults.max_nesting),
    )


def _cache(flag: str | None, config: Config) -> Cache:
    from .cache import Cache

    if flag:
        return Cache(Path(flag))
    configured = config.get("cache-dir")
    if configured:
        return Cache(config.base / configured)
    return Cache(project_root(Path.cwd()) / ".normcheck_cache")


def project_root(start: Path) -> Path:
    """The nearest folder at or above `start` with a `pyproject.toml` or `.git`, else `start`
    (links resolved first)."""
    return marked_folder(start.resolve())


def discover(paths: Sequence[Path], exclude: list[str], base: Path) -> list[Path]:
    """Every `.norm` file under `paths`, as display paths (relative to the working folder when
    inside it), sorted and without duplicates; `exclude` globs match paths relative to `base`
    or bare file names."""
    found: list[Path] = []
    for path in paths:
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except OSError as problem:  # a name too long, a folder that cannot be entered
            raise UsageError(f"cannot read `{path}`: {problem.strerror or problem}") from None
        if not exists:
            command = _closest_command(str(path))
            hint = f"; did you mean the command `{command}`?" if command else ""
            raise UsageError(f"path `{path}` does not exist{hint}")
        if is_dir:
            for folder, dirs, files in os.walk(path, onerror=_unreadable):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
                found.extend(Path(folder) / f for f in sorted(files) if f.endswith(".norm"))
        else:
            found.append(path)
    roots: dict[Path, Path] = {}
    for path in found:
        if not path.exists():  # found in a folder: a link to nothing, or a loop of links
            raise UsageError(f"`{path}` is a broken link: it leads to no file")
        if not _inside_its_project(path, roots):
            raise UsageError(f"`{path}` leads to a file outside its project root (through a "
                             f"link); normcheck reads no file there")
    here = Path.cwd().resolve()
    shown = {_display(p, here) for p in found if not (exclude and _excluded(p, exclude, base))}
    return [Path(p) for p in sorted(shown)]


def _closest_command(word: str) -> str | None:
    """A subcommand `word` looks like a misspelling of (`quer`), if any."""
    if "/" in word or "." in word:
        return None
    import difflib

    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None


def _unreadable(problem: OSError) -> None:
    """A folder that cannot be listed is an error, not a folder without `.norm` files."""
    raise UsageError(f"cannot read `{problem.filename}`: {problem.strerror or problem}")


def _inside_its_project(path: Path, roots: dict[Path, Path]) -> bool:
    """Whether `path`, links resolved, stays inside the project root of the folder it was
    found in (links not resolved); `roots` remembers each folder's root."""
    folder = Path(os.path.abspath(path)).parent
    if folder not in roots:
        roots[folder] = marked_folder(folder).resolve()
    try:
        path.resolve().relative_to(roots[folder])
    except ValueError:
        return False
    return True


def _display(path: Path, here: Path | None = None) -> str:
    # INVARIANT: the same spelling as imports.display_path, so that a file checked as a root
    # and imported by another root yields findings with equal paths (and is deduplicated)
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(here or Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def _excluded(path: Path, patterns: list[str], base: Path) -> bool:
    import fnmatch

    resolved = path.resolve()
    try:
        relative = resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        relative = resolved.as_posix()
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def fingerprint(options: CheckOptions) -> str:
    """The options that can change a verdict, as part of every cache key."""
    return (f"timeout={options.timeout_ms};run={options.run_timeout_s};mem={options.memory_mb};"
            f"max={options.max_file_bytes};nest={options.max_nesting}")


def run(roots: list[Path], options: CheckOptions, cache: Cache | None,
        jobs: int) -> tuple[list[Finding], dict[str, SourceFile], bool]:
    """Check every root (from the cache where valid): deduplicated, sorted findings, the
    sources they point into, and whether every root's result is (or could be) cached."""
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    cacheable = True
    todo: list[tuple[Path, str | None]] = []
    for root in roots:
        key = cache.key(root, fingerprint(options)) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            findings.extend(hit[0])
            sources.update(hit[1])
        else:
            todo.append((root, key))
    outcomes = _check_all([root for root, _ in todo], options, jobs) if todo else []
    for (_root, key), (found, files) in zip(todo, outcomes):
        findings.extend(found)
        sources.update(files)
        if key is None or not _cacheable(found, files):
            cacheable = False
        elif cache is not None:
            cache.put(key, found, files)
    return dedupe(findings), sources, cacheable


def _cacheable(found: list[Finding], files: dict[str, SourceFile]) -> bool:
    # an entry is only as valid as its list of files: a finding in a file that could not
    # be read (so is not listed) must be recomputed once that file changes
    return all(f.kind not in UNCACHEABLE_KINDS and f.span.path in files for f in found)


def _check_all(roots: list[Path], options: CheckOptions, jobs: int) -> list[Outcome]:
    from dataclasses import replace

    progress = Progress(len(roots))
    _exit_on_interrupt()
    _keep_freed_memory()
    try:
        if jobs > 1 and len(roots) > 1:
            # one root per process; inside a root, its groups are checked one after another
            return _check_parallel(roots, replace(options, jobs=1), jobs, progress)
        from ..model.resolve import Loader

        # one root at a time; its groups are checked in `jobs` processes
        options = replace(options, jobs=jobs)
        loader = Loader(options)
        outcomes = []
        for root in roots:
            progress.start(str(root))
            outcomes.append(check_root(loader, root, options, progress.groups))
        return outcomes
    finally:
        progress.done()


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse rather than give it back at once.

    Each root gets a fresh z3 context, which fills ~17 MB of tables when made; given back
    to the system after one root and faulted in again for the next, that costs ~5 ms a
    root instead of ~1.5 ms. Only where the console script owns the process; anything but
    glibc is left as it is.
    """
    if not _owns_process or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's largest: blocks this size come from the heap
    mallopt(m_trim_threshold, 128 * 2**20)  # and up to this much free heap is kept


def _check_parallel(roots: list[Path], options: CheckOptions, jobs: int,
                    progress: Progress) -> list[Outcome]:
    from .. import checks  # noqa: F401 - loaded once here rather than in each process
    from ..core.forked import Died, fork_map
    from ..core.source import SourceFile
    from ..model.resolve import Loader
    from ..report.json import finding_from_record, finding_to_record
    from ..syntax.parser import _tables

    _tables()
    order = sorted(range(len(roots)), key=lambda i: -_weight(roots[i], options.max_file_bytes))
    # one Loader per process (each forked one has its own copy), so files imported by
    # several of its roots parse once
    loader = Loader(options)

    def work(position: int) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[str]]:
        # plain data crosses the process boundary: no pickling of spans or fractions to go
        # wrong; the parent's own results take the same way, so every root reads the same
        found, files = check_root(loader, roots[order[position]], options, None)
        heavy = [name for name in HEAVY_MODULES if name in sys.modules]
        return ([finding_to_record(f) for f in found],
                [(path, source.text) for path, source in files.items()], heavy)

    results = fork_map(work, len(order), jobs,
                       done=lambda position: progress.start(str(roots[order[position]])))
    outcomes: dict[int, Outcome] = {}
    for position, result in enumerate(results):
        root = roots[order[position]]
        if isinstance(result, Died):  # e.g. a worker killed by the OS
            outcomes[order[position]] = ([crashed(root, WorkerDied(result.reason))], {})
            continue
        records, texts, heavy = result
        _worker_imports.update(heavy)
        outcomes[order[position]] = ([finding_from_record(r) for r in records],
                                     {path: SourceFile(path, text) for path, text in texts})
    return [outcomes[index] for index in range(len(roots))]


class WorkerDied(Exception):
    """The process checking a root ended before sending its findings."""


def _weight(root: Path, max_bytes: int) -> int:
    """The bytes of `root` and of the files it imports: roughly what checking it costs.
    Workers take the heaviest roots first, so that the last ones to finish are light.

    Only what the check itself would read counts (regular files inside the project root,
    within the size limit): anything else weighs nothing here, and the check reports it.
    """
    import re
    import stat

    from ..model.imports import inside

    import_line = re.compile(rb'^[ \t]*import[ \t]+"([^"\n]*)"', re.MULTILINE)
    try:
        start = root.resolve()
    except (OSError, RuntimeError):
        return 0
    top = project_root(start)
    total, seen, todo = 0, set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            info = path.stat()
            if not (inside(path, top) and stat.S_ISREG(info.st_mode) and info.st_size <= max_bytes):
                continue
            data = path.read_bytes()
            todo.extend((path.parent / name.decode("utf-8", "replace")).resolve()
                        for name in import_line.findall(data))
        except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in an import's path
            continue
        total += len(data)
    return total


#: heavy modules that worker processes imported (for NORMCHECK_DEBUG_IMPORTS)
_worker_imports: set[str] = set()


def check_root(loader: Loader, root: Path, options: CheckOptions,
               progress: Callable[[str, int, int], None] | None) -> Outcome:
    """Load `root` with its imports through `loader` and run every check on it."""
    from ..api import check

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        result = check(loader.load(root), options=options, progress=progress)
    except Exception as crash:  # noqa: BLE001 - a bug must not pass silently
        return [crashed(root, crash)], {}
    finally:
        sys.setrecursionlimit(limit)
    return result.findings, result.files


def crashed(root: Path, crash: BaseException) -> Finding:
    """A bug in normcheck while checking `root`, as an error finding (never a pass, never a
    traceback); `NORMCHECK_DEBUG=1` also prints the traceback on stderr."""
    from ..core.findings import Finding
    from ..core.source import Span

    if os.environ.get("NORMCHECK_DEBUG"):
        import traceback

        traceback.print_exception(crash, file=sys.stderr)
    if "out of memory" in str(crash):  # z3's `memory-mb` limit, not a bug
        return Finding("solver-unknown", "could not check this file: z3 reached its memory "
                       "limit (`memory-mb`)", Span(str(root), 0, 0, 1, 1, 1, 1),
                       help=("raise `memory-mb` in [tool.normcheck], or split the spec",
                             "the file's properties were not decided"))
    return Finding("solver-unknown", f"internal error while checking this file: "
                   f"{type(crash).__name__}: {crash}"[:300], Span(str(root), 0, 0, 1, 1, 1, 1),
                   help=("this is a bug in normcheck: please report it with this file",
                         "the file's properties were not decided"))


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One copy of each finding (by kind, span and message), sorted by file, position, kind."""
    from ..core.findings import Finding

    seen: dict[tuple[str, str, int, int, str], Finding] = {}
    for finding in findings:
        key = (finding.kind, finding.span.path, finding.span.start, finding.span.end,
               finding.message)
        seen.setdefault(key, finding)
    return sorted(seen.values(), key=Finding.sort_key)


def filter_findings(findings: list[Finding], select: set[str], ignore: set[str],
                    verbose: bool) -> list[Finding]:
    """`--select`, `--ignore`, and info findings only when `verbose` (or when selected).

    A malformed spec and a solver that gave up are always shown: with them hidden, a run
    that checked nothing would read as a pass.
    """
    out = []
    for finding in findings:
        if finding.kind in ALWAYS_SHOWN:
            out.append(finding)
            continue
        if (select and finding.kind not in select) or finding.kind in ignore:
            continue
        if finding.severity.value == "info" and not verbose and finding.kind not in select:
            continue
        out.append(finding)
    return out


class Progress:
    """Files and check groups done, on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.current = ""
        self.enabled = sys.stderr.isatty()

    def start(self, root: str) -> None:
        self.count += 1
        self.current = root
        self._show("")

    def groups(self, what: str, done: int, total: int) -> None:
        self._show(f" {what} ({done}/{total})")

    def _show(self, detail: str) -> None:
        if self.enabled:
            line = f"normcheck: [{self.count}/{self.total}] {self.current}{detail}"
            sys.stderr.write("\r\x1b[2K" + line[:100])
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.count:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


# ---------------------------------------------------------------- query / graph / diff


def _load_spec(path: str) -> tuple[Spec | None, list[Finding], dict[str, SourceFile]]:
    from ..model.resolve import Loader

    if not Path(path).is_file():
        raise UsageError(f"path `{path}` does not exist or is not a file")
    loaded = Loader().load(Path(_display(Path(path))))
    return loaded.spec, loaded.findings, loaded.files


def _malformed(findings: list[Finding], files: dict[str, SourceFile], output: str) -> int:
    """A spec that does not load: its findings, as JSON when the command's output is JSON
    (a caller that parses it gets the findings document of `normcheck --format json`)."""
    from ..report import Report, render

    _write(render(Report(findings, files, 1), "json" if output == "json" else "text"))
    return EXIT_FINDINGS


def _situation(args: argparse.Namespace) -> dict[str, Any]:
    situation: dict[str, Any] = {}
    if args.facts:
        import json

        try:
            if Path(args.facts).exists() and not Path(args.facts).is_file():  # a FIFO blocks
                raise UsageError(f"--facts: `{args.facts}` is not a regular file")
            loaded = json.loads(Path(args.facts).read_text(encoding="utf-8"))
        except (OSError, ValueError) as bad:
            raise UsageError(f"--facts: cannot read `{args.facts}`: {bad}") from None
        except RecursionError:
            raise UsageError(f"--facts: `{args.facts}` nests too deep") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--facts: `{args.facts}` must hold a JSON object of fact values")
        situation.update(loaded)
    for item in args.given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--given expects FACT=VALUE, got `{item}`")
        situation[name.strip()] = value.strip()
    return situation


def _query(argv: list[str]) -> int:
    parser = _Parser(prog="normcheck query", description="The status of every action in one "
                     "situation, with the active and defeated norms.")
    parser.add_argument("file")
    parser.add_argument("--given", action="append", default=[], metavar="FACT=VALUE")
    parser.add_argument("--facts", help="a JSON file mapping facts to values")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    situation = _situation(args)
    spec, findings, files = _load_spec(args.file)
    if spec is None:
        return _malformed(findings, files, args.format)
    from ..runtime.query import query

    result = query(spec, situation)
    if result.errors:
        raise UsageError("; ".join(result.errors))
    if args.format == "json":
        import json

        document = {"statuses": result.statuses, "active": list(result.active),
                    "defeated": list(result.defeated), "conflict": result.conflict,
                    "conflict_norms": list(result.conflict_norms)}
        _write(json.dumps(document, indent=2) + "\n")
        return EXIT_OK
    width = max((len(action) for action in result.statuses), default=0)
    lines = [f"{action.ljust(width)}  {status}" for action, status in result.statuses.items()]
    lines.append(f"active norms: {', '.join(result.active) or '(none)'}")
    lines.append(f"defeated norms: {', '.join(result.defeated) or '(none)'}")
    if result.conflict:
        lines.append(f"conflict: no conduct complies; caused by "
                     f"{', '.join(f'`{n}`' for n in result.conflict_norms)}")
    _write("\n".join(lines) + "\n")
    return EXIT_OK


def _graph(argv: list[str]) -> int:
    parser = _Parser(prog="normcheck graph", description="The spec as a graph: norms, priority, "
                     "clashes, imports.")
    parser.add_argument("file")
    parser.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot")
    args = parser.parse_args(argv)
    spec, findings, files = _load_spec(args.file)
    if spec is None:
        return _malformed(findings, files, args.format)
    from ..runtime.graph import render_graph, spec_graph

    _write(render_graph(spec_graph(spec), args.format))
    return EXIT_OK


def _diff(argv: list[str]) -> int:
    parser = _Parser(prog="normcheck diff", description="What a change to a spec changes in "
                     "meaning: per action, a situation where its status differs.")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--fail-on-change", action="store_true",
                        help="exit 1 when some action's status changed")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    old, old_findings, old_files = _load_spec(args.old)
    new, new_findings, new_files = _load_spec(args.new)
    if old is None or new is None:
        return _malformed(dedupe(old_findings + new_findings), {**old_files, **new_files},
                          args.format)
    from ..runtime.meaning import diff_specs

    try:
        changes = diff_specs(old, new)
    except ValueError as bad:
        raise UsageError(f"cannot compare the two versions: {bad}") from None
    from ..report.diff import render_changes

    _write(render_changes(changes, args.format))
    return EXIT_FINDINGS if changes and args.fail_on_change else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    console()
