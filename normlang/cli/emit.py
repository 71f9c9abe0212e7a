"""`normcheck check --emit-scenarios OUT.norm`: the run's witnesses written as scenarios.

OUT imports the checked root and holds one `scenario` per finding that can be pinned (see
`runtime/scenarios.py`); it is never written over: an existing OUT is a usage error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..core.escape import escaped
from .common import UsageError

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.findings import Finding
    from ..core.options import CheckOptions

HEADER = """\
# Scenarios that pin the findings of `{root}` in their witness situations, written by
# `normcheck check --emit-scenarios`. Each passes on the spec as it is now; after a fix,
# flip its expectation as the comment above it says.
"""


def validate(out: Path, roots: list[Path]) -> None:
    """Refuse what cannot be emitted before anything is checked."""
    if roots == [Path("-")]:
        raise UsageError("--emit-scenarios needs a file to import: give the spec as a path, "
                         "not `-`")
    if len(roots) != 1:
        raise UsageError(f"--emit-scenarios writes the scenarios of one root file; "
                         f"{len(roots)} were given")
    if out.exists() or out.is_symlink():
        raise UsageError(f"`{out}` exists; --emit-scenarios never writes over a file "
                         "(remove it or choose another name)")
    if not out.parent.is_dir():
        raise UsageError(f"folder `{out.parent}` of --emit-scenarios does not exist")
    from .discover import project_root

    if project_root(out.parent) != project_root(roots[0].parent):
        raise UsageError(f"`{out}` is outside the project of `{roots[0]}`, which it imports "
                         "(an import stays inside its project root): write it beside the spec")


def emit(out: Path, root: Path, findings: list[Finding], options: CheckOptions) -> None:
    """Write OUT from the findings of `root` (reported on stderr: how many, and why the
    others have none)."""
    from ..api import load
    from ..runtime.scenarios import scenarios_for
    from ..syntax.format import format_source

    loaded = load(root, options=options)
    if loaded.spec is None:
        print("normcheck: no scenarios written: the spec does not load", file=sys.stderr)
        return
    emitted = scenarios_for(findings, loaded.spec)
    without = 0
    for finding, why in emitted.skipped:
        if finding.witness is None:
            without += 1
            continue
        print(f"normcheck: note: no scenario for {finding.kind} at {escaped(str(finding.span))}: "
              f"{why}", file=sys.stderr)
    if without:
        print(f"normcheck: note: {without} finding{'s have' if without != 1 else ' has'} no "
              "witness situation to pin", file=sys.stderr)
    if not emitted.scenarios:
        print("normcheck: no finding to pin: nothing written", file=sys.stderr)
        return
    target = os.path.relpath(root.resolve(), out.parent.resolve()).replace(os.sep, "/")
    text = HEADER.format(root=root.as_posix()) + f'import "{target}"\n\n' + \
        "\n".join(emitted.scenarios)
    _write_new(out, format_source(text, str(out)))
    count = len(emitted.scenarios)
    print(f"normcheck: wrote {count} scenario{'s' if count != 1 else ''} to "
          f"{escaped(str(out))}", file=sys.stderr)


def _write_new(out: Path, text: str) -> None:
    """Write a file that must not exist yet: through a temporary file linked into place
    (the link fails, atomically, if `out` appeared meanwhile)."""
    import tempfile

    try:
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.",
                                             suffix=".tmp")
    except OSError as problem:
        raise UsageError(f"cannot write `{out}`: {problem.strerror or problem}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.link(temporary, out)
    except FileExistsError:
        raise UsageError(f"`{out}` exists; --emit-scenarios never writes over a file") from None
    except OSError as problem:
        raise UsageError(f"cannot write `{out}`: {problem.strerror or problem}") from None
    finally:
        os.unlink(temporary)
