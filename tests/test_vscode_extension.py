"""The VS Code extension of editors/vscode: its manifest points at files that exist, its
grammar is the repository's, and it builds into a .vsix with the npm tooling."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

EDITORS = Path(__file__).resolve().parent.parent / "editors"
EXTENSION = EDITORS / "vscode"


def manifest() -> dict[str, object]:
    loaded = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_declares_the_language_its_grammar_and_the_client() -> None:
    package = manifest()
    contributes = package["contributes"]
    assert isinstance(contributes, dict)
    (language,) = contributes["languages"]
    assert language["id"] == "norm" and language["extensions"] == [".norm"]
    assert (EXTENSION / language["configuration"]).is_file()
    json.loads((EXTENSION / language["configuration"]).read_text(encoding="utf-8"))
    (grammar,) = contributes["grammars"]
    assert grammar["language"] == "norm"
    grammar_file = EXTENSION / grammar["path"]
    assert json.loads(grammar_file.read_text(encoding="utf-8"))["scopeName"] == grammar["scopeName"]
    assert (EXTENSION / str(package["main"])).is_file()
    assert "onLanguage:norm" in package["activationEvents"]  # type: ignore[operator]
    assert "vscode-languageclient" in package["dependencies"]  # type: ignore[operator]


def test_the_grammar_is_the_repositorys() -> None:
    assert (EXTENSION / "syntaxes" / "norm.tmLanguage.json").read_bytes() == \
        (EDITORS / "norm.tmLanguage.json").read_bytes()


def test_the_client_starts_normcheck_lsp_by_default() -> None:
    settings = manifest()["contributes"]["configuration"]["properties"]  # type: ignore[index]
    assert settings["normlang.server.command"]["default"] == ["normcheck", "lsp"]
    assert '"normcheck", "lsp"' in (EXTENSION / "extension.js").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("node") is None, reason="checking the client needs node")
def test_the_client_is_valid_javascript() -> None:
    done = subprocess.run(["node", "--check", str(EXTENSION / "extension.js")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="building the .vsix needs node and npm")
def test_build_sh_packages_the_extension(tmp_path: Path) -> None:
    copy = tmp_path / "editors" / "vscode"
    shutil.copytree(EXTENSION, copy, ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    shutil.copy(EDITORS / "norm.tmLanguage.json", tmp_path / "editors")
    shutil.copy(EDITORS.parent / "LICENSE", tmp_path)
    done = subprocess.run(["bash", str(copy / "build.sh")], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    version = manifest()["version"]
    with zipfile.ZipFile(copy / f"normlang-{version}.vsix") as vsix:
        names = set(vsix.namelist())
    assert {"extension/package.json", "extension/extension.js",
            "extension/syntaxes/norm.tmLanguage.json", "extension/language-configuration.json",
            "extension/node_modules/vscode-languageclient/package.json"} <= names
