"""Loading: a root file and its imports read, parsed and resolved into a `Loaded`.

A `Loader` parses each file once across the roots it loads, follows imports
(confined to the project root, cycles reported), and hands the parsed files to
`resolve.Resolver`, which turns them into a `Spec`.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ..core.digraph import Digraph
from ..core.disk import disk
from ..core.findings import Finding
from ..core.options import CheckOptions
from ..core.source import SourceFile, Span
from ..core.suggest import bounded_suggestions
from ..syntax import ast
from .imports import (
    ParsedFile,
    display_path,
    error,
    import_target,
    read_source,
    through_link,
)
from .loaded import Loaded
from .projects import project_root
from .resolve import Resolver


class Loader:
    """Loads root files with their imports; parses each file once across roots."""

    def __init__(self, options: CheckOptions | None = None,
                 texts: Mapping[Path, str] | None = None,
                 parsed: Mapping[Path, ParsedFile] | None = None) -> None:
        self.options = options or CheckOptions()
        #: files already parsed (by an earlier loader, of the same text), by resolved path
        self._parsed: dict[Path, ParsedFile] = dict(parsed or {})
        #: text that stands for a file's content on disk (an editor's unsaved buffers), by
        #: resolved path
        self._texts = dict(texts or {})

    def parsed_paths(self) -> list[Path]:
        """The files parsed so far (kept for the roots loaded next)."""
        return list(self._parsed)

    def forget(self, path: Path) -> None:
        """Parse `path` anew when next asked for (its file may have changed)."""
        self._parsed.pop(path, None)

    def load(self, path: Path) -> Loaded:
        shown = str(path)
        files = disk()
        resolved = files.resolve(path) if files.exists(path) else files.absolute(path)
        root_dir = project_root(resolved)
        with _no_cycle_collection(), bounded_suggestions():
            return self._load_graph(resolved, shown, root_dir)

    def load_text(self, text: str, path: str) -> Loaded:
        resolved = disk().absolute(Path(path))
        source, findings = self._decoded(text, path)
        if source is None:
            return Loaded(path, None, findings, {})
        with _no_cycle_collection(), bounded_suggestions():
            self._parsed[resolved] = self._parse(resolved, source, findings)
            return self._load_graph(resolved, path, project_root(resolved))

    def _decoded(self, text: str, path: str) -> tuple[SourceFile | None, list[Finding]]:
        """`text` as the source of the file shown as `path`, or the finding that refuses it."""
        from .imports import decode

        data = text.encode("utf-8", errors="surrogatepass")
        if len(data) > self.options.max_file_bytes:
            span = Span(path, 0, 0, 1, 1, 1, 1)
            too_big = error("syntax-error", f"`{path}` is {len(data)} bytes, over the limit of "
                                            f"{self.options.max_file_bytes}", span,
                            "raise `max-file-bytes` if this is intended")
            return None, [too_big]
        return decode(data, path)

    def parse(self, path: Path) -> ParsedFile:
        """The file at the resolved `path`, parsed alone (its imports are not followed)."""
        return self._file(path, display_path(path), None)

    def parsed_files(self) -> dict[Path, ParsedFile]:
        """Every file parsed so far, by resolved path (the ASTs an editor's features read)."""
        return dict(self._parsed)

    # ------------------------------------------------------------ files and imports

    def _file(self, path: Path, shown: str, at: Span | None) -> ParsedFile:
        if path not in self._parsed and path in self._texts:
            self._parsed[path] = self._parse(path, *self._decoded(self._texts[path], shown))
        if path not in self._parsed:
            source, findings = read_source(path, shown, self.options.max_file_bytes, at)
            if source is None and at is not None:
                return ParsedFile(path, None, None, findings)
            self._parsed[path] = self._parse(path, source, findings)
        return self._parsed[path]

    def _parse(self, path: Path, source: SourceFile | None,
               findings: list[Finding]) -> ParsedFile:
        if source is None or findings:
            return ParsedFile(path, source, None, findings)
        if path.suffix == ".sleec":  # SLEEC rules (docs/sleec.md), lowered to the same AST
            from ..syntax.sleec import read_sleec

            return ParsedFile(path, source, *read_sleec(source, self.options.max_nesting))
        from ..syntax.limits import nesting_problem, parenthesis_problem
        from ..syntax.lower import lower
        from ..syntax.parser import parse, parse_ast

        too_deep = parenthesis_problem(source, self.options.max_nesting)
        if too_deep is not None:
            return ParsedFile(path, source, None, [too_deep])
        built = parse_ast(source, self.options.max_nesting)
        if built is not None:
            return ParsedFile(path, source, *built)
        # a syntax error or too deep a tree: lark's own parse tree says where
        parsed = parse(source)
        if parsed.tree is None:
            return ParsedFile(path, source, None, parsed.findings)
        deep = nesting_problem(parsed.tree, source, self.options.max_nesting)
        if deep is not None:
            return ParsedFile(path, source, None, [deep])
        with _deep_recursion():
            try:
                file, problems = lower(parsed.tree, source)
            except RecursionError:
                return ParsedFile(path, source, None, [_too_deep(source)])
        return ParsedFile(path, source, file, problems)

    def _load_graph(self, root: Path, shown: str, root_dir: Path) -> Loaded:
        findings: list[Finding] = []
        files: dict[str, SourceFile] = {}
        order: list[ParsedFile] = []
        edges: list[tuple[Path, Path, Span]] = []
        #: imports written through a symbolic link: (the path as written, the file it reached)
        links: list[tuple[Path, Path]] = []
        seen: set[Path] = set()
        stack: list[tuple[Path, str, Span | None]] = [(root, shown, None)]
        while stack:
            path, name, at = stack.pop()
            if path in seen:
                continue
            seen.add(path)
            parsed = self._file(path, name, at)
            findings.extend(parsed.findings)
            if parsed.source is not None:
                files[parsed.source.path] = parsed.source
            if parsed.file is None:
                continue
            order.append(parsed)
            for decl in reversed(parsed.file.decls):
                if isinstance(decl, ast.Import):
                    target = self._import_target(path, decl, root_dir, findings)
                    if target is not None:
                        edges.append((path, target, decl.span))
                        stack.append((target, display_path(target), decl.span))
                        # as written, `..` and all: the file system follows it as `resolve` did
                        written = path.parent / decl.path
                        if through_link(written):
                            links.append((written, target))
        # the result cache re-reads what it lists: a link listed beside the file it reached
        # makes the cache notice when the link is pointed elsewhere
        for written, target in links:
            if display_path(target) in files:
                files.setdefault(display_path(written), files[display_path(target)])
        findings.extend(_import_cycles(edges))
        if any(f.severity.value == "error" for f in findings):
            return Loaded(shown, None, _sorted(findings), files)
        with _deep_recursion():
            try:
                spec, problems = Resolver(shown, order, files, root_dir, self.options).resolve()
            except RecursionError:
                source = files.get(shown)
                where = source or SourceFile(shown, "")
                spec, problems = None, [_too_deep(where, "expressions nest too deep once "
                                                         "defines are inlined")]
        findings.extend(problems)
        if any(f.severity.value == "error" for f in findings):
            spec = None
        return Loaded(shown, spec, _sorted(findings), files)

    def _import_target(self, importer: Path, decl: ast.Import, root_dir: Path,
                       findings: list[Finding]) -> Path | None:
        target = import_target(importer.parent, decl.path, root_dir, ".norm")
        if isinstance(target, Path):
            return target
        message, help_line = target
        findings.append(error("import-error", message, decl.span, *filter(None, [help_line])))
        return None


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading without Python's cycle collector.

    Loading allocates millions of small objects and keeps nearly all of them (the AST,
    the spec), so every collection would walk the whole growing heap for nothing:
    at 100,000 norms that was a quarter of the load time. ASTs and specs hold no
    reference cycles; the collector runs again as usual once loading is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """Room for the recursive passes over trees whose depth `max_nesting` already bounds."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 8000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _too_deep(source: SourceFile, message: str = "nesting too deep") -> Finding:
    span = source.span(0, 0)
    return error("syntax-error", message, span, "split the expression with `define`s")


def _import_cycles(edges: list[tuple[Path, Path, Span]]) -> list[Finding]:
    if not _has_cycle(edges):  # the usual case, decided without importing networkx
        return []
    import networkx as nx

    graph: nx.DiGraph[Path] = nx.DiGraph()
    for source, target, span in edges:
        graph.add_edge(source, target, span=span)
    findings = []
    for component in sorted(nx.strongly_connected_components(graph), key=sorted):
        if len(component) == 1 and not graph.has_edge(*(next(iter(component)),) * 2):
            continue
        cycle = nx.find_cycle(graph.subgraph(component))
        names = [display_path(u) for u, _v in cycle] + [display_path(cycle[0][0])]
        span = graph.edges[cycle[-1]]["span"]
        findings.append(error("import-error", f"import cycle: {' -> '.join(names)}", span,
                              "a file cannot import itself, directly or through others"))
    return findings


def _has_cycle(edges: list[tuple[Path, Path, Span]]) -> bool:
    imports: Digraph[Path] = Digraph()
    for source, target, _span in edges:
        imports.add_edge(source, target)
    return not imports.is_acyclic()


def _sorted(findings: list[Finding]) -> list[Finding]:
    unique = {(f.kind, f.message, f.span.path, f.span.start): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)


def load_path(path: Path, options: CheckOptions) -> Loaded:
    return Loader(options).load(path)


def load_source(text: str, path: str, options: CheckOptions) -> Loaded:
    return Loader(options).load_text(text, path)
