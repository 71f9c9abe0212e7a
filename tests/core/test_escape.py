"""Whatever user-controlled text holds (controls, newlines, bidi overrides, lone surrogates
from a file name that is not UTF-8 or a `\\ud800` in JSON), every output format stays valid
UTF-8, keeps its lines, and lets nothing act on a terminal (issue 18 items 7 and 17)."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normlang.core.escape import encodable, escaped
from normlang.core.findings import Finding, Label, Witness
from normlang.core.source import SourceFile
from normlang.report import FORMATS, Report, render

#: what may never reach a terminal raw: C0 (but the newline that ends lines), DEL, C1,
#: bidi overrides and isolates, line separators
ACTING = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029"
                    "\u2066-\u2069]")
#: every code point, lone surrogates and controls included, with the dangerous ones common
HOSTILE = st.text(st.one_of(st.characters(codec=None, exclude_categories=()),
                            st.sampled_from("\x1b\r\n\t\x00\x7f\x85\u202e\u2028\ud800\udcff")),
                  max_size=40)


@given(HOSTILE)
def test_escaped_is_one_safe_line_and_idempotent(text: str) -> None:
    shown = escaped(text)
    assert not ACTING.search(shown) and "\n" not in shown
    assert not re.search("[\ud800-\udfff]", shown)
    assert escaped(shown) == shown
    shown.encode("utf-8")  # never fails


def _report(path: str, line: str, words: str) -> Report:
    source = SourceFile(path, f"norm n {line}\nnorm m {words}\n")
    span = source.span(7, 8)
    other = source.span(len(line) + 15, len(line) + 16)
    finding = Finding("conflict", f"norms `{words}` clash", span,
                      (Label(span, words, primary=True), Label(other, line)),
                      witness=Witness({words or "f": True}, active=(words,)),
                      help=(words, line), values=((words,), (line,)))
    return Report([finding], {path: source}, 1)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE, HOSTILE, HOSTILE)
def test_every_format_is_utf8_and_lets_nothing_act(path: str, line: str, words: str) -> None:
    line = line.replace("\n", " ").replace("\r", " ")  # a source line holds no line break
    report = _report(path or "p", line, words.replace("\n", " ").replace("\r", " "))
    for fmt in FORMATS:
        out = encodable(render(report, fmt)).decode("utf-8")  # what write_output writes
        if fmt in ("json", "sarif"):
            json.loads(out)
            continue
        assert not ACTING.search(out), (fmt, out)
        if fmt == "concise":  # one finding, one summary: two lines, whatever the text
            assert out.count("\n") == 2, out
        if fmt == "github":
            assert out.count("\n") == 1 and out.startswith("::error "), out


@given(HOSTILE)
def test_graph_text_formats_keep_one_statement_per_line(name: str) -> None:
    import networkx as nx

    from normlang.runtime.graph import render_graph

    # the norm's node is named apart from the file's, whatever name hypothesis draws
    file_node = name or "f"
    norm_node = "n" if file_node != "n" else "m"
    graph = nx.MultiDiGraph()
    graph.add_node(file_node, kind="file")
    graph.add_node(norm_node, kind="norm", layer="default")
    graph.add_edge(norm_node, file_node, kind="declared-in")
    for fmt, lines in (("mermaid", 4), ("dot", 5)):
        out = encodable(render_graph(graph, fmt)).decode("utf-8")
        assert out.count("\n") == lines and not ACTING.search(out), out
    json.loads(encodable(render_graph(graph, "json")))
