"""One open file read as the root of a spec, with the editor's unsaved buffers standing in for
the files on disk; and the project around it, for references and renames across files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.findings import Finding
from ..core.options import CheckOptions
from ..core.source import SourceFile
from ..core.suppress import apply_suppressions
from ..model.imports import ParsedFile
from ..model.loaded import Loaded
from ..model.loader import Loader
from ..syntax import ast
from .symbols import Occurrence, Symbol, SymbolIndex, build_index

#: folders never searched for `.norm` files of the project
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".venv", "venv", "node_modules", "__pycache__",
                             ".tox", ".mypy_cache", "build", "dist"})
#: at most this many files of a project are read for references and renames
MAX_PROJECT_FILES = 5000


@dataclass
class Analysis:
    """The front end's reading of one root file: the loaded spec and its files' ASTs."""

    path: Path
    loaded: Loaded
    parsed: dict[Path, ParsedFile]
    #: the findings of parsing and resolving, suppressions applied
    findings: list[Finding] = field(default_factory=list)
    _index: SymbolIndex | None = None

    @property
    def index(self) -> SymbolIndex:
        """The names of the root and its imports (built when first asked: not on every edit)."""
        if self._index is None:
            self._index = build_index(_asts(self.parsed))
        return self._index

    def source(self, path: Path) -> SourceFile | None:
        parsed = self.parsed.get(path)
        return parsed.source if parsed is not None else None


class ParseCache:
    """Parsed files kept across edits: a file is parsed again only when its text (an open
    buffer) or its size and modification time (a file on disk) have changed."""

    def __init__(self) -> None:
        self._kept: dict[Path, tuple[object, ParsedFile]] = {}

    def still_valid(self, texts: Mapping[Path, str]) -> dict[Path, ParsedFile]:
        return {path: parsed for path, (key, parsed) in self._kept.items()
                if key == _version_key(path, texts)}

    def keep(self, parsed: Mapping[Path, ParsedFile], texts: Mapping[Path, str]) -> None:
        for path, one in parsed.items():
            key = _version_key(path, texts)
            if key is not None:
                self._kept[path] = (key, one)


def _version_key(path: Path, texts: Mapping[Path, str]) -> object:
    if path in texts:
        return ("buffer", texts[path])
    try:
        info = path.stat()
    except OSError:
        return None
    return ("disk", info.st_size, info.st_mtime_ns)


def analyse(path: Path, texts: Mapping[Path, str], options: CheckOptions,
            cache: ParseCache | None = None) -> Analysis:
    """Parse and resolve the file at `path` (resolved) and its imports, each open file from its
    buffer in `texts` (and each unchanged file from `cache`)."""
    loader = Loader(options, texts, cache.still_valid(texts) if cache is not None else None)
    loaded = loader.load(path)
    parsed = loader.parsed_files()
    if cache is not None:
        cache.keep(parsed, texts)
    # the loader also holds the cache's other files: only those this root reads count
    reached = {p: one for p, one in parsed.items()
               if one.source is not None and one.source.path in loaded.files}
    return Analysis(path, loaded, reached, front_end_findings(loaded))


def front_end_findings(loaded: Loaded) -> list[Finding]:
    """What the front end found, as a check would report it, before any solver runs: a
    suppression that silences nothing yet may silence a solver's finding, so none is reported
    unused here."""
    found = list(loaded.findings)
    if loaded.spec is not None:
        found.extend(loaded.spec.unused)
    kept = apply_suppressions(found, loaded.files)[0]
    return sorted((f for f in kept if f.kind != "unused-suppression"), key=Finding.sort_key)


def _asts(parsed: Mapping[Path, ParsedFile]) -> Iterable[tuple[Path, SourceFile, ast.File]]:
    for path, one in parsed.items():
        if one.source is not None and one.file is not None:
            yield path, one.source, one.file


@dataclass
class Project:
    """Every `.norm` file under the workspace folders (and every open one), parsed, with the
    imports between them."""

    parsed: dict[Path, ParsedFile]
    index: SymbolIndex
    imports: dict[Path, set[Path]]

    def closure(self, path: Path) -> set[Path]:
        """`path` and everything it imports, directly or not."""
        seen, stack = set(), [path]
        while stack:
            here = stack.pop()
            if here not in seen:
                seen.add(here)
                stack.extend(self.imports.get(here, ()))
        return seen

    def importers(self, path: Path) -> set[Path]:
        """The files whose closure holds `path` (itself included)."""
        return {other for other in self.parsed if path in self.closure(other)} | {path}

    def related(self, symbol: Symbol, seen_from: Path) -> list[Occurrence]:
        """Every occurrence of the symbol that `seen_from` sees declared in its closure: in the
        files that import its declaration, and in those the declaration imports."""
        visible = self.closure(seen_from)
        homes = {o.path for o in self.index.declarations(symbol) if o.path in visible}
        files: set[Path] = set()
        for home in homes:
            files |= self.importers(home) | self.closure(home)
        return [o for o in self.index.uses(symbol) if o.path in files]


def project(folders: Iterable[Path], texts: Mapping[Path, str], options: CheckOptions,
            also: Iterable[Path] = ()) -> Project:
    """The project of the workspace folders, plus the files in `also` and their imports."""
    loader = Loader(options, texts)
    paths = sorted(set(_norm_files(folders)) | set(texts) | set(also))
    parsed: dict[Path, ParsedFile] = {}
    imports: dict[Path, set[Path]] = {}
    queue = list(paths)
    while queue and len(parsed) < MAX_PROJECT_FILES:
        path = queue.pop()
        if path in parsed or (not path.is_file() and path not in texts):
            continue
        one = parsed[path] = loader.parse(path)
        targets = {(path.parent / decl.path).resolve() for decl in
                   (one.file.decls if one.file is not None else ()) if isinstance(decl, ast.Import)}
        imports[path] = targets
        queue.extend(targets - set(parsed))
    return Project(parsed, build_index(_asts(parsed)), imports)


def _norm_files(folders: Iterable[Path]) -> Iterable[Path]:
    count = 0
    for folder in folders:
        for here, subfolders, names in os.walk(folder):
            subfolders[:] = sorted(d for d in subfolders
                                   if d not in SKIPPED_FOLDERS and not d.startswith("."))
            for name in sorted(names):
                if name.endswith(".norm"):
                    count += 1
                    if count > MAX_PROJECT_FILES:
                        return
                    yield Path(here, name).resolve()
