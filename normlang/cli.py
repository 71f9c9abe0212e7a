"""`normcheck`: check .norm files; query a situation; export the graph; diff two versions.

Exit codes: 0 no error finding; 1 an error finding (or a warning with
`--strict`); 2 a usage error. Output goes to stdout, progress to stderr.
Heavy modules (lark, z3, networkx) are imported only when a file must really
be checked, so `--version` and a fully cached run stay fast.
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .findings import KINDS, Finding
from .report import FORMATS, Report, render
from .source import SourceFile

if TYPE_CHECKING:
    from .api import CheckOptions

SUBCOMMANDS = ("check", "query", "graph", "diff")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
INFO_KINDS = frozenset(k for k, s in KINDS.items() if s.value == "info")
SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                ".normcheck_cache", ".tox", ".mypy_cache", ".pytest_cache", "build", "dist"}


class UsageError(Exception):
    """A bad command line or configuration (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            command, rest = args[0], args[1:]
        else:
            command, rest = "check", args
        return {"check": _check, "query": _query, "graph": _graph, "diff": _diff}[command](rest)
    except UsageError as problem:
        print(f"normcheck: error: {problem}", file=sys.stderr)
        print("normcheck: try `normcheck --help`", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("normcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


# ---------------------------------------------------------------- check


def _check_parser() -> _Parser:
    parser = _Parser(prog="normcheck", description="Prove .norm specs consistent, or show where "
                     "they conflict.", epilog="exit codes: 0 no error finding, 1 findings of "
                     "severity error (or warnings with --strict), 2 usage error")
    parser.add_argument("paths", nargs="*", help="files or folders (default: config `paths`, "
                        "else the current folder)")
    parser.add_argument("--version", action="version", version=f"normcheck {__version__}")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: text)")
    parser.add_argument("--select", help="only these finding kinds (comma-separated)")
    parser.add_argument("--ignore", help="drop these finding kinds (comma-separated)")
    parser.add_argument("--strict", action="store_true", default=None,
                        help="exit 1 on warnings too")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when there are findings (usage errors still exit 2)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    parser.add_argument("-v", "--verbose", action="store_true", default=None,
                        help="also show info findings (overridden, value-sacrificed)")
    parser.add_argument("--timeout", type=float, help="solver time limit per query, seconds")
    parser.add_argument("--jobs", type=int, help="parallel processes (default: number of cores)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", help="cache folder (default: .normcheck_cache in the "
                        "project root)")
    return parser


def _kinds(text: str | Sequence[str] | None, flag: str) -> set[str]:
    if text is None:
        return set()
    items = text.split(",") if isinstance(text, str) else list(text)
    kinds = {item.strip() for item in items if item.strip()}
    for kind in sorted(kinds):
        if kind not in KINDS:
            close = difflib.get_close_matches(kind, list(KINDS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise UsageError(f"{flag}: unknown finding kind `{kind}`{hint}")
    return kinds


def _check(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    from .config import ConfigError, load_config

    try:
        config = load_config(Path.cwd())
    except ConfigError as problem:
        raise UsageError(str(problem)) from None
    fmt = args.format or config.get("format", "text")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format `{fmt}` in the configuration")
    select = _kinds(args.select, "--select") or _kinds(config.get("select"), "select")
    ignore = _kinds(args.ignore, "--ignore") | _kinds(config.get("ignore"), "ignore")
    verbose = args.verbose if args.verbose is not None else bool(config.get("verbose", False))
    strict = args.strict if args.strict is not None else bool(config.get("strict", False))
    options = _options(args, config)
    paths = args.paths or config.get("paths") or ["."]
    roots = _discover(paths, list(config.get("exclude", [])))
    jobs = args.jobs if args.jobs is not None else config.get("jobs") or (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cache = None
    if not args.no_cache:
        from .cache import Cache

        folder = args.cache_dir or config.get("cache-dir")
        base = config.path.parent if config.path else Path.cwd()
        cache = Cache(Path(folder) if folder else base / ".normcheck_cache")
    findings, sources = _run(roots, options, cache, jobs)
    shown = _filter(findings, select, ignore, verbose)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    output = render(Report(shown, sources, len(roots)), fmt, color=color, quiet=args.quiet)
    sys.stdout.write(output)
    sys.stdout.flush()
    if args.exit_zero:
        return EXIT_OK
    failing = {"error", "warning"} if strict else {"error"}
    return EXIT_FINDINGS if any(f.severity.value in failing for f in shown) else EXIT_OK


def _options(args: argparse.Namespace, config: Any) -> CheckOptions:
    from .api import CheckOptions

    timeout = args.timeout if args.timeout is not None else config.get("timeout")
    if timeout is not None and timeout <= 0:
        raise UsageError("--timeout must be positive")
    return CheckOptions(
        timeout_ms=int(timeout * 1000) if timeout is not None else 5000,
        max_file_bytes=int(config.get("max-file-bytes", 8 * 1024 * 1024)),
    )


def _discover(paths: Sequence[str], exclude: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"path `{raw}` does not exist")
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
                found.extend(Path(folder) / f for f in sorted(files) if f.endswith(".norm"))
        else:
            found.append(path)
    unique = sorted({_clean(p) for p in found if not _excluded(p, exclude)}, key=str)
    return [Path(p) for p in unique]


def _clean(path: Path) -> str:
    text = os.path.normpath(str(path))
    return text


def _excluded(path: Path, patterns: list[str]) -> bool:
    text = Path(_clean(path)).as_posix()
    return any(fnmatch.fnmatch(text, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def _fingerprint(options: CheckOptions) -> str:
    return f"timeout={options.timeout_ms};max={options.max_file_bytes};nest={options.max_nesting}"


def _run(roots: list[Path], options: CheckOptions, cache: Any,
         jobs: int) -> tuple[list[Finding], dict[str, SourceFile]]:
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    todo: list[tuple[Path, str | None]] = []
    for root in roots:
        key = cache.key(root, str(root), _fingerprint(options)) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            findings.extend(hit[0])
            sources.update(hit[1])
        else:
            todo.append((root, key))
    progress = _Progress(len(todo))
    for (root, key), (found, files) in zip(todo, _check_all([r for r, _ in todo], options,
                                                             jobs, progress)):
        findings.extend(found)
        sources.update(files)
        if cache is not None and key is not None:
            cache.put(key, found, files)
    progress.done()
    return _dedupe(findings), sources


def _check_all(roots: list[Path], options: CheckOptions, jobs: int,
               progress: _Progress) -> list[tuple[list[Finding], dict[str, SourceFile]]]:
    if jobs > 1 and len(roots) >= 4:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(roots))) as pool:
            results = []
            for result in pool.map(_check_one, roots, [options] * len(roots)):
                progress.step()
                results.append(result)
            return results
    from .resolve import Loader

    loader = Loader(options)
    results = []
    for root in roots:
        progress.step(str(root))
        results.append(_check_loaded(loader, root, options))
    return results


def _check_one(root: Path, options: CheckOptions) -> tuple[list[Finding], dict[str, SourceFile]]:
    from .resolve import Loader

    return _check_loaded(Loader(options), root, options)


def _check_loaded(loader: Any, root: Path,
                  options: CheckOptions) -> tuple[list[Finding], dict[str, SourceFile]]:
    from .api import check

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        result = check(loader.load(root), options=options)
    finally:
        sys.setrecursionlimit(limit)
    return result.findings, result.files


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str, int, int, str], Finding] = {}
    for finding in findings:
        key = (finding.kind, finding.span.path, finding.span.start, finding.span.end,
               finding.message)
        seen.setdefault(key, finding)
    return sorted(seen.values(), key=Finding.sort_key)


def _filter(findings: list[Finding], select: set[str], ignore: set[str],
            verbose: bool) -> list[Finding]:
    out = []
    for finding in findings:
        if select and finding.kind not in select:
            continue
        if finding.kind in ignore:
            continue
        if finding.kind in INFO_KINDS and not verbose and finding.kind not in select:
            continue
        out.append(finding)
    return out


class _Progress:
    """Files checked, on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.enabled = sys.stderr.isatty() and total > 1

    def step(self, what: str = "") -> None:
        self.count += 1
        if self.enabled:
            sys.stderr.write(f"\rnormcheck: checking {self.count}/{self.total} {what[:50]:<50}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


# ---------------------------------------------------------------- query / graph / diff


def _load_spec(path: str) -> Any:
    from .resolve import Loader

    if not Path(path).exists():
        raise UsageError(f"path `{path}` does not exist")
    loaded = Loader().load(Path(path))
    if loaded.spec is None:
        sys.stdout.write(render(Report(loaded.findings, loaded.files, 1), "text"))
        return None
    return loaded.spec


def _query(argv: list[str]) -> int:
    parser = _Parser(prog="normcheck query", description="The status of every action in one "
                     "situation, with the active and defeated norms.")
    parser.add_argument("file")
    parser.add_argument("--given", action="append", default=[], metavar="FACT=VALUE")
    parser.add_argument("--facts", help="a JSON file mapping facts to values")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    situation: dict[str, Any] = {}
    if args.facts:
        import json

        try:
            situation.update(json.loads(Path(args.facts).read_text(encoding="utf-8")))
        except (OSError, ValueError) as bad:
            raise UsageError(f"--facts: cannot read `{args.facts}`: {bad}") from None
    for item in args.given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--given expects FACT=VALUE, got `{item}`")
        situation[name.strip()] = value.strip()
    spec = _load_spec(args.file)
    if spec is None:
        return EXIT_FINDINGS
    from .query import query

    result = query(spec, situation)
    if args.format == "json":
        import json

        print(json.dumps({"statuses": result.statuses, "active": list(result.active),
                          "defeated": list(result.defeated), "conflict": result.conflict,
                          "conflict_norms": list(result.conflict_norms),
                          "errors": list(result.errors)}, indent=2))
    else:
        for error_line in result.errors:
            print(f"error: {error_line}")
        if not result.errors:
            width = max((len(a) for a in result.statuses), default=0)
            for action, status in result.statuses.items():
                print(f"{action.ljust(width)}  {status}")
            print(f"active: {', '.join(result.active) or '(none)'}")
            print(f"defeated: {', '.join(result.defeated) or '(none)'}")
            if result.conflict:
                print(f"conflict among: {', '.join(result.conflict_norms)}")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def _graph(argv: list[str]) -> int:
    parser = _Parser(prog="normcheck graph", description="The spec as a graph: norms, priority, "
                     "clashes, imports.")
    parser.add_argument("file")
    parser.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot")
    args = parser.parse_args(argv)
    spec = _load_spec(args.file)
    if spec is None:
        return EXIT_FINDINGS
    from .graph import render_graph, spec_graph

    sys.stdout.write(render_graph(spec_graph(spec), args.format))
    return EXIT_OK


def _diff(argv: list[str]) -> int:
    parser = _Parser(prog="normcheck diff", description="What a change to a spec changes in "
                     "meaning: per action, a situation where its status differs.")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--fail-on-change", action="store_true")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    old, new = _load_spec(args.old), _load_spec(args.new)
    if old is None or new is None:
        return EXIT_FINDINGS
    from .findings import format_value
    from .meaning import diff_specs

    try:
        changes = diff_specs(old, new)
    except ValueError as bad:
        raise UsageError(str(bad)) from None
    if args.format == "json":
        import json

        from .report.json import witness_to_dict

        print(json.dumps({"changes": [{"action": c.action, "old": c.old, "new": c.new,
                                       "witness": witness_to_dict(c.witness)}
                                      for c in changes]}, indent=2))
    else:
        for change in changes:
            facts = ", ".join(f"{k} = {format_value(v)}" for k, v in change.witness.situation.items())
            print(f"{change.action}: {change.old} -> {change.new}")
            print(f"  for example when {facts or 'always'}")
        print(f"{len(changes)} action{'s' if len(changes) != 1 else ''} changed meaning"
              if changes else "no change in meaning")
    return EXIT_FINDINGS if changes and args.fail_on_change else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
