"""normlang: write norms for AI systems and the institutions around them; prove them consistent.

The public API::

    from normlang import load, load_text, check, check_path, render, CheckOptions
    from normlang import query, QueryError
    from normlang import Finding, Kind, Severity, Witness
"""

from __future__ import annotations

from .core.version import __version__

__all__ = [
    "CheckOptions", "CheckResult", "Finding", "Kind", "Label", "Loaded", "QueryError", "QueryResult",
    "Severity", "SourceFile", "Span", "Witness", "__version__", "check", "check_path", "load",
    "load_text", "query", "render",
]

#: typing.TYPE_CHECKING without importing typing, which `normcheck`'s start-up can do without
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .api import CheckOptions, CheckResult, Loaded, check, check_path, load, load_text, render
    from .core.findings import Finding, Kind, Label, Severity, Witness
    from .core.source import SourceFile, Span
    from .runtime.query import QueryError, QueryResult, query

#: where each public name is defined; imported on first use, so that `normcheck`'s
#: start-up (which reads `__version__` only) does not pay for the API's modules
_HOMES = {
    "CheckOptions": "api", "CheckResult": "api", "Loaded": "api", "check": "api",
    "check_path": "api", "load": "api", "load_text": "api", "render": "api",
    "Finding": "core.findings", "Kind": "core.findings",
    "Label": "core.findings", "Severity": "core.findings", "Witness": "core.findings",
    "SourceFile": "core.source", "Span": "core.source", "query": "runtime.query",
    "QueryResult": "runtime.query", "QueryError": "runtime.query",
}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'normlang' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
