"""`normcheck check` (the default command): options, configuration, filters, progress."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core.escape import escaped
from ..core.version import __version__
from ..report import FORMATS
from .common import EXIT_FINDINGS, EXIT_OK, CommandParser, UsageError, write_output
from .config import Config, ConfigError, load_config
from .discover import discover, project_root
from .run import run

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..core.findings import Finding
    from ..core.options import CheckOptions
    from ..core.source import SourceFile
    from .cache import Cache
    from .config import Config
    from .run import Outcome


#: kinds that `--select` and `--ignore` never hide (see `filter_findings`):
#: findings.UNDECIDED_KINDS, written out so that a warm run need not import findings
ALWAYS_SHOWN = frozenset({"syntax-error", "name-error", "type-error", "import-error",
                          "priority-cycle", "solver-unknown"})


def check_parser() -> CommandParser:
    parser = CommandParser(
        prog="normcheck", description="Prove .norm specs consistent, or show where they "
        "conflict. Subcommands: check (default), query, graph, diff, convert (SLEEC to "
        ".norm). A .sleec file named here is read as SLEEC rules.",
        epilog="exit codes: 0 no error finding, 1 findings of severity error (or warnings "
        "with --strict), 2 usage error")
    parser.add_argument("paths", nargs="*", help="files or folders (default: config `paths`, "
                        "else the current folder)")
    parser.add_argument("--version", action="version", version=f"normcheck {__version__}")
    parser.add_argument("--importers", action="store_true",
                        help="check the FILES given and every tracked .norm file of the project "
                             "that imports one of them (the pre-commit hook's mode)")
    parser.add_argument("--changed-since", metavar="REV",
                        help="check the .norm files that differ from git revision REV and "
                             "every tracked file that imports one of them")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: text)")
    parser.add_argument("--select", action="append",
                        help="only these finding kinds or severities (comma-separated; may be "
                             "repeated)")
    parser.add_argument("--ignore", action="append",
                        help="drop these finding kinds or severities, e.g. `info` "
                             "(comma-separated; may be repeated)")
    parser.add_argument("--baseline", metavar="FILE",
                        help="drop the findings recorded in this baseline (default: config "
                             "`baseline`)")
    parser.add_argument("--write-baseline", metavar="FILE",
                        help="record every finding of this run in FILE (a baseline)")
    parser.add_argument("--emit-scenarios", metavar="OUT.norm",
                        help="write a new file OUT.norm that imports the checked file and "
                             "holds a scenario pinning each finding's witness")
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
    parser.add_argument("--executor", metavar="WHERE",
                        help="where roots are checked: `local` (default) or `dask://HOST:PORT`, "
                             "a Dask scheduler (needs normlang[dask])")
    parser.add_argument("--max-conflicts", type=int, metavar="N",
                        help="minimal conflicting sets reported per group of norms (default: 100)")
    parser.add_argument("--max-occurrences", type=int, metavar="K",
                        help="occurrences of each event in the traces a spec with time is "
                             "checked on (default: 2)")
    parser.add_argument("--max-depth", type=int, metavar="D",
                        help="levels of instances that the conduct's own actions trigger "
                             "(`on AGENT.ACTION`), counting the trace's as 1 (default: 4)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", help="cache folder (default: .normcheck_cache in the "
                        "project root)")
    return parser


def joined(flags: list[str] | None) -> str | None:
    """A repeated `--select`/`--ignore` flag, as one comma-separated list."""
    return None if flags is None else ",".join(flags)


def parse_kinds(text: str | Sequence[str] | None, flag: str) -> set[str]:
    """Finding kinds from a comma-separated flag or a config list, a severity (`error`,
    `warning`, `info`) standing for its kinds; unknown ones are usage errors."""
    from ..core.findings import KINDS

    if text is None:
        return set()
    items = text.split(",") if isinstance(text, str) else [str(item) for item in text]
    kinds = set()
    for kind in sorted({item.strip() for item in items if item.strip()}):
        if kind in ("error", "warning", "info"):
            kinds |= {name for name, severity in KINDS.items() if severity.value == kind}
        elif kind in KINDS:
            kinds.add(kind)
        else:
            import difflib

            close = difflib.get_close_matches(kind, [*KINDS, "error", "warning", "info"], n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise UsageError(f"{flag}: unknown finding kind or severity `{kind}`{hint}")
    return kinds


def read_config() -> Config:
    try:
        return load_config(Path.cwd())
    except ConfigError as problem:
        raise UsageError(str(problem)) from None


def check_command(argv: list[str]) -> int:
    args = check_parser().parse_args(argv)
    config = read_config()
    fmt = args.format or config.get("format", "text")
    if fmt not in FORMATS:
        raise UsageError(f"{config.where('format')}: unknown format `{fmt}`")
    if args.paths == ["-"]:  # the spec on standard input; nothing to cache
        if args.importers or args.changed_since is not None:
            raise UsageError("`-` (standard input) is checked on its own")
        roots, args.no_cache = [Path("-")], True
    elif "-" in args.paths:
        raise UsageError("`-` (standard input) is checked on its own, without other paths")
    elif args.importers or args.changed_since is not None:
        roots = change_roots(args, config)
    else:
        paths = [Path(p) for p in args.paths] or [config.base / p for p in config.get("paths", [])]
        roots = discover(paths or [Path(".")], list(config.get("exclude", [])), config.base)
        if not roots:
            print("normcheck: warning: no .norm files to check", file=sys.stderr)
    if args.emit_scenarios is not None:
        from .emit import validate

        validate(Path(args.emit_scenarios), roots)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    cache = None if args.no_cache else cache_of(args.cache_dir, config)
    refused = cache.refusal() if cache is not None else None
    if cache is not None and refused is not None:
        print(f"normcheck: warning: `{escaped(str(cache.folder))}` {refused}; nothing is cached there (give "
              "the cache a folder of its own)", file=sys.stderr)
        cache = None
    # those runs write a file
    replayable = roots and args.write_baseline is None and args.emit_scenarios is None
    run_key = (cache.run_key(roots, request_of(args, config, color))
               if cache is not None and replayable else None)
    # INVARIANT: a command is recorded only after all of the validation below passed, so a
    # replayed one needs none of it (nor the modules it imports)
    replayed = cache.replay(run_key) if cache and run_key else None
    if replayed is None:
        output, code, sources = check_roots(args, config, roots, fmt, color, cache)
        if cache and run_key and sources is not None:
            cache.record(run_key, sources, (output, code))
    else:
        output, code = replayed
    write_output(output)
    return code


def change_roots(args: argparse.Namespace, config: Config) -> list[Path]:
    """The roots of `--importers FILES` or `--changed-since REV` (see `changed.py`)."""
    from .changed import change_roots as roots_of_change

    if args.importers and args.changed_since is not None:
        raise UsageError("--importers and --changed-since do not go together")
    if args.changed_since is not None and args.paths:
        raise UsageError("--changed-since takes no paths (git says which files changed; "
                         "`paths` and `exclude` of the configuration say where to look)")
    exclude = list(config.get("exclude", []))
    where = [config.base / p for p in config.get("paths", [])] or [project_root(Path.cwd())]
    project = discover(where, exclude, config.base)
    given = discover([Path(p) for p in args.paths], exclude, config.base) if args.paths else []
    roots = roots_of_change(given, args.changed_since, project)
    if not roots:
        changed = ("changed since " + args.changed_since) if args.changed_since is not None else "given"
        print(f"normcheck: no .norm file {changed}: nothing to check", file=sys.stderr)
    return roots


def request_of(args: argparse.Namespace, config: Config, color: bool) -> str:
    """What, besides the files, can change a command's output or exit code: every flag and
    configuration value, and colour. (Some, like --jobs, cannot: keying on them costs a miss.)"""
    import json

    baseline = baseline_path(args, config)
    try:
        accepted = baseline[0].read_text(encoding="utf-8") if baseline else None
    except (OSError, UnicodeDecodeError):
        accepted = "unreadable"  # reading it for the check says why
    return json.dumps({"args": vars(args), "config": config.values, "from": str(config.path),
                       "color": color, "baseline": accepted}, sort_keys=True, default=str)


def baseline_path(args: argparse.Namespace, config: Config) -> tuple[Path, str] | None:
    """The baseline that applies, and the flag or setting that names it."""
    if args.baseline is not None:
        return Path(args.baseline), "--baseline"
    if config.get("baseline"):
        return config.base / config.get("baseline"), f"{config.where('baseline')}: `baseline`"
    return None


def check_roots(args: argparse.Namespace, config: Config, roots: list[Path], fmt: str,
                 color: bool, cache: Cache | None,
                 ) -> tuple[str, int, dict[str, SourceFile] | None]:
    """Check (or look up) every root: the output, the exit code, and the files read (None
    when a result could not be cached, so neither can the whole output)."""
    from ..report import Report, render

    if args.write_baseline is not None:  # before the run, which may take long
        from .baseline import refuse_to_overwrite

        refuse_to_overwrite(Path(args.write_baseline))
    select = (parse_kinds(joined(args.select), "--select")
              or parse_kinds(config.get("select"), f"{config.where('select')}: `select`"))
    ignore = (parse_kinds(joined(args.ignore), "--ignore")
              | parse_kinds(config.get("ignore"), f"{config.where('ignore')}: `ignore`"))
    verbose = args.verbose if args.verbose is not None else bool(config.get("verbose", True))
    strict = args.strict if args.strict is not None else bool(config.get("strict", False))
    options = options_of(args, config)
    jobs = args.jobs if args.jobs is not None else config.get("jobs") or (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    check = executor_of(args, config)
    if roots == [Path("-")]:
        findings, sources, cacheable = check_stdin(options)
    else:
        findings, sources, cacheable = run(roots, options, cache, jobs, check)
    from ..core.suppress import apply_suppressions
    from .baseline import drop_baselined, read_baseline, write_baseline

    findings = sorted(apply_suppressions(findings, sources)[0], key=_sort_key)
    if args.write_baseline is not None:
        count, kept_out = write_baseline(Path(args.write_baseline), findings, sources)
        note = (f" ({len(kept_out)} that {'is' if len(kept_out) == 1 else 'are'} always shown "
                f"{'is' if len(kept_out) == 1 else 'are'} not: {', '.join(sorted(set(kept_out)))})"
                if kept_out else "")
        print(f"normcheck: recorded {count} finding{'s' if count != 1 else ''} "
              f"in the baseline `{escaped(args.write_baseline)}`{note}", file=sys.stderr)
        findings = drop_baselined(findings, sources, read_baseline(
            Path(args.write_baseline), "--write-baseline"))
    else:
        baseline = baseline_path(args, config)
        if baseline is not None:
            findings = drop_baselined(findings, sources, read_baseline(*baseline))
    shown = filter_findings(findings, select, ignore, verbose)
    if args.emit_scenarios is not None:
        from .emit import emit

        emit(Path(args.emit_scenarios), roots[0], shown, options)
    output = render(Report(shown, sources, len(roots)), fmt, color=color, quiet=args.quiet)
    failing = {"error", "warning"} if strict else {"error"}
    failed = not args.exit_zero and any(f.severity.value in failing for f in shown)
    return output, EXIT_FINDINGS if failed else EXIT_OK, sources if cacheable else None


def executor_of(args: argparse.Namespace, config: Config
                ) -> Callable[[list[Path], CheckOptions, int], list[Outcome]] | None:
    """How the roots are checked when not here (`--executor`, else config `executor`)."""
    if args.executor is not None:
        value, where = args.executor, "--executor"
    else:
        value, where = config.get("executor", "local"), f"{config.where('executor')}: `executor`"
    if value == "local":
        return None
    from functools import partial

    from .cluster import scheduler_address
    from .remote import check_on_cluster

    address = scheduler_address(value, where)
    return None if address is None else partial(check_on_cluster, address)


def _sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    return finding.sort_key()


def check_stdin(options: CheckOptions) -> tuple[list[Finding], dict[str, SourceFile], bool]:
    """Check the spec on standard input, shown as `<stdin>` (its imports are relative to the
    working folder)."""
    from ..api import check
    from ..model.loader import load_source

    limit = options.max_file_bytes
    try:
        data = sys.stdin.buffer.read(limit + 1)  # never more: standard input may not end
    except OSError as problem:
        raise UsageError(f"cannot read standard input: {problem.strerror or problem}") from None
    if len(data) > limit:
        from ..core.findings import Finding, Label
        from ..core.source import Span

        span = Span("<stdin>", 0, 0, 1, 1, 1, 1)
        return [Finding("syntax-error", f"`<stdin>` holds more than {limit} bytes, over the "
                        f"limit of {limit}", span, (Label(span, primary=True),),
                        help=("raise `max-file-bytes` if this is intended",),
                        root="<stdin>")], {}, False
    text = data.decode("utf-8", errors="surrogateescape")
    result = check(load_source(text, "<stdin>", options), options=options, suppress=False)
    return result.findings, result.files, False


def options_of(args: argparse.Namespace, config: Config) -> CheckOptions:
    from ..core.options import CheckOptions

    timeout = args.timeout if args.timeout is not None else config.get("timeout")
    run_timeout = args.run_timeout if args.run_timeout is not None else config.get("run-timeout")
    for name, value in (("timeout", timeout), ("run-timeout", run_timeout)):
        if value is not None and not 0 < value < 10**9:  # NaN fails both comparisons
            if 10**9 <= value < float("inf"):
                raise UsageError(f"--{name} must be below 1,000,000,000 seconds")
            raise UsageError(f"--{name} must be a positive number of seconds")
    defaults = CheckOptions()
    max_conflicts = (args.max_conflicts if args.max_conflicts is not None
                     else config.get("max-conflicts", defaults.max_conflicts))
    if max_conflicts < 1:
        raise UsageError("--max-conflicts must be at least 1")
    max_occurrences = (args.max_occurrences if args.max_occurrences is not None
                       else defaults.max_occurrences)
    if max_occurrences < 1:
        raise UsageError("--max-occurrences must be at least 1")
    max_depth = args.max_depth if args.max_depth is not None else defaults.max_depth
    if max_depth < 1:
        raise UsageError("--max-depth must be at least 1")
    return CheckOptions(
        timeout_ms=max(1, int(timeout * 1000)) if timeout is not None else defaults.timeout_ms,
        run_timeout_s=float(run_timeout) if run_timeout is not None else None,
        memory_mb=config.get("memory-mb", defaults.memory_mb),
        max_file_bytes=config.get("max-file-bytes", defaults.max_file_bytes),
        max_nesting=config.get("max-nesting", defaults.max_nesting),
        max_conflicts=max_conflicts,
        max_occurrences=max_occurrences,
        max_depth=max_depth,
    )


def cache_of(flag: str | None, config: Config) -> Cache:
    from .cache import DEFAULT_MAX_BYTES, Cache

    limit = config.get("max-file-bytes")
    # a bad value is reported by `options_of`; here it only bounds what the cache reads
    max_bytes = limit if type(limit) is int and limit > 0 else DEFAULT_MAX_BYTES
    if flag:
        return Cache(Path(flag), max_bytes)
    configured = config.get("cache-dir")
    if configured:
        return Cache(config.base / configured, max_bytes)
    return Cache(project_root(Path.cwd()) / ".normcheck_cache", max_bytes)


def filter_findings(findings: list[Finding], select: set[str], ignore: set[str],
                    verbose: bool) -> list[Finding]:
    """`--select`, `--ignore`, and info findings only when `verbose` (or when selected).

    A malformed spec, a priority cycle (which stops the other checks) and a solver that
    gave up are always shown: with them hidden, a run that decided nothing would read as a
    pass.
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
