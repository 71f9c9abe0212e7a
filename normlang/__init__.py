"""normlang: write norms for AI systems and the institutions around them; prove them consistent.

The public API::

    from normlang import load, load_text, check, check_path
    from normlang.query import query
"""

from __future__ import annotations

from .api import CheckOptions, CheckResult, Loaded, check, check_path, load, load_text
from .findings import Finding, Label, Severity, Witness
from .source import SourceFile, Span

__version__ = "0.1.0"

__all__ = [
    "CheckOptions", "CheckResult", "Finding", "Label", "Loaded", "Severity", "SourceFile",
    "Span", "Witness", "__version__", "check", "check_path", "load", "load_text",
]
