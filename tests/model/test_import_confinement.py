"""Import confinement, fuzzed (issue 18 items 4 and 5): whatever path an `import` or an
`import values` names, nothing outside the project root is looked up before the path is
refused, and no content of a file that is not a `.norm` (or `.json`) file inside the root
is ever echoed."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.api import load_text

SECRET = "SECRET_7d1f"
SEGMENTS = ["..", ".", "sub", "", "/net", "//host", "secret.norm", ".env", "out", "inside.norm",
            "g.json", "config", ".git", "deep/../..", "~"]


def _project() -> Path:
    """A project with secrets beside it and in it (built once: hypothesis reuses it)."""
    top = Path(tempfile.mkdtemp(prefix="confine-")).resolve()
    atexit.register(shutil.rmtree, top, True)
    outside = top / "outside"
    outside.mkdir()
    (outside / "secret.norm").write_text(f"{SECRET} = 1\n", encoding="utf-8")
    (outside / "g.json").write_text(f'{{"{SECRET}": 1}}', encoding="utf-8")
    root = top / "p"
    (root / "sub" / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / ".env").write_text(f"{SECRET}=1\n", encoding="utf-8")
    (root / "sub" / ".git" / "config").write_text(f"[{SECRET}]\n", encoding="utf-8")
    (root / "inside.norm").write_text("fact f: bool\n", encoding="utf-8")
    (root / "out").symlink_to(outside)
    (root / "sub" / "secret.norm").symlink_to(root / ".env")
    return root


ROOT = _project()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=6), st.booleans())
def test_no_import_looks_outside_or_echoes_what_it_may_not_read(parts: list[str],
                                                                values: bool) -> None:
    written = "/".join(parts).replace('"', "")
    looked_up: list[str] = []
    real_stat, real_lstat = os.stat, os.lstat

    def spy(real):  # type: ignore[no-untyped-def]
        def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            looked_up.append(os.fsdecode(path))
            return real(path, *args, **kwargs)
        return call

    text = f'import {"values " if values else ""}"{written}"\nfact g: bool\n'
    with mock.patch.object(os, "stat", spy(real_stat)), \
            mock.patch.object(os, "lstat", spy(real_lstat)):
        loaded = load_text(text, ROOT / "a.norm")
    lexical = Path(os.path.normpath(ROOT / written))
    if lexical != ROOT and ROOT not in lexical.parents:
        assert not [p for p in looked_up if p.startswith(("/net", "//host"))], looked_up
        assert any("leaves the project root" in f.message for f in loaded.findings)
    shown = " ".join([f.message for f in loaded.findings]
                     + [h for f in loaded.findings for h in f.help]
                     + [source.text for source in loaded.files.values()])
    assert SECRET not in shown, (written, shown)


def test_a_link_that_leaves_the_root_is_refused_before_its_target_is_looked_up(
        tmp_path: Path) -> None:
    # a checked-in link `share -> /net/host/share` (or `//host/share`): resolving the import
    # through it stat'ed the network path, which an automounter or SMB client answers
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    far = tmp_path / "far"
    (far / "deep").mkdir(parents=True)
    (far / "deep" / "x.norm").write_text(f"{SECRET} = 1\n", encoding="utf-8")
    (root / "share").symlink_to(far)
    (root / "hop").symlink_to("share/deep")  # a link to a link, relative
    (root / "up").symlink_to("..")
    real_stat, real_lstat = os.stat, os.lstat
    for written in ("share/deep/x.norm", "hop/x.norm", "up/far/deep/x.norm"):
        looked_up: list[str] = []

        def spy(real, seen=looked_up):  # type: ignore[no-untyped-def]
            def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
                seen.append(os.fsdecode(path))
                return real(path, *args, **kwargs)
            return call

        with mock.patch.object(os, "stat", spy(real_stat)), \
                mock.patch.object(os, "lstat", spy(real_lstat)):
            loaded = load_text(f'import "{written}"\nfact g: bool\n', root / "a.norm")
        assert any("leaves the project root" in f.message for f in loaded.findings), written
        assert not [p for p in looked_up if p.startswith(str(far))], (written, looked_up)
    # a link that stays inside is followed as before
    (root / "lib").mkdir()
    (root / "lib" / "v.norm").write_text("fact v: bool\n", encoding="utf-8")
    (root / "alias").symlink_to("lib")
    loaded = load_text('import "alias/v.norm"\nexpect always v or not v\n', root / "a.norm")
    assert not [f for f in loaded.findings if f.severity.value == "error"], loaded.findings
