"""Human output: rustc-style snippets with carets, the witness as an aligned table."""

from __future__ import annotations

from ..core.escape import escaped
from ..core.findings import Finding, Label, TimedWitness, Witness, format_value
from ..core.source import SourceFile
from .model import Report, summary_counts

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m",
           "bold": "\x1b[1m", "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        if not self.color:
            return text
        return f"{_COLORS[style]}{text}{_COLORS['reset']}"


def render_concise(report: Report, quiet: bool = False) -> str:
    lines = [f"{escaped(f.span.path)}:{f.span.line}:{f.span.col}: {f.severity.value}[{f.kind}] "
             f"{escaped(f.message)}" for f in report.findings]
    if not quiet:
        lines.append(_summary(report))
    return "\n".join(lines) + "\n" if lines else ""


def render_text(report: Report, color: bool = False, quiet: bool = False) -> str:
    paint = _Paint(color)
    blocks = [_finding(f, report.sources, paint) for f in report.findings]
    if not quiet:
        blocks.append(paint("bold", _summary(report)) + "\n")
    return "\n".join(blocks)


def _summary(report: Report) -> str:
    counts = summary_counts(report.findings)
    files = report.files_checked
    where = f"in {files} file{'s' if files != 1 else ''}"
    parts = [_plural(counts["errors"], "error"), _plural(counts["warnings"], "warning")]
    if counts["infos"]:
        parts.append(_plural(counts["infos"], "info"))
    if not report.findings:
        return f"no findings {where}"
    return f"{', '.join(parts)} {where}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _ordered_labels(finding: Finding) -> list[Label]:
    """The primary label first (the finding's own span if no label is primary), then the rest."""
    primary = [label for label in finding.labels if label.primary]
    others = [label for label in finding.labels if not label.primary]
    return (primary[:1] or [Label(finding.span, "", primary=True)]) + primary[1:] + others


def _finding(finding: Finding, sources: dict[str, SourceFile], paint: _Paint) -> str:
    severity = finding.severity.value
    lines = [paint(severity, f"{severity}[{finding.kind}]")
             + paint("bold", f": {escaped(finding.message)}")]
    labels = _ordered_labels(finding)
    gutter = max(len(str(label.span.line)) for label in labels)
    pad = " " * gutter
    shown_file = ""
    for label in labels:
        source = sources.get(label.span.path)
        if label.span.path != shown_file or source is None:
            arrow = "-->" if not shown_file else ":::"
            lines.append(f"{pad}{paint('blue', arrow)} {escaped(label.span.path)}:{label.span.line}:"
                         f"{label.span.col}")
            shown_file = label.span.path
        if source is not None:
            lines.extend(_snippet(source, label, gutter, paint))
    if finding.root is not None and finding.root != finding.span.path:
        lines.append(f"{pad} {paint('blue', '=')} checked as part of {escaped(finding.root)}")
    if finding.witness is not None:
        lines.extend(_witness(finding.witness, pad, paint))
    if finding.values and any(finding.values):
        sides = [escaped(", ".join(side)) or "no value" for side in finding.values]
        lines.append(f"{pad} {paint('blue', '=')} values at stake: {' vs '.join(sides)}")
    for help_line in finding.help:
        lines.append(f"{pad} {paint('blue', '=')} {paint('bold', 'help')}: {escaped(help_line)}")
    return "\n".join(lines) + "\n"


#: a source line longer than this (in characters) is cut around the caret, as rustc and
#: ruff do, with `...` where text is left out
LONG_LINE = 120
#: how much of a cut line is kept before the caret
CUT_CONTEXT = 40


def _snippet(source: SourceFile, label: Label, gutter: int, paint: _Paint) -> list[str]:
    span = label.span
    # columns are counted on the line as shown: tabs expanded, unsafe characters escaped
    text = _shown(source.line_text(span.line))
    raw = source.line_text(span.line)
    first = len(_shown(raw[:span.col - 1]))
    last = (len(_shown(raw[:max(span.end_col - 1, span.col)]))
            if span.end_line == span.line else len(text.rstrip()))
    if len(text) > LONG_LINE:
        left = max(0, first - CUT_CONTEXT)
        right = min(len(text), max(last, first + 1) + CUT_CONTEXT, left + LONG_LINE)
        prefix = "..." if left else ""
        cut = prefix + text[left:right] + ("..." if right < len(text) else "")
        start_col = _width(prefix + text[left:first])
        end_col = _width(prefix + text[left:min(last, right)])
        text = cut
    else:
        start_col = _width(text[:first])
        end_col = _width(text[:last])
    width = max(1, end_col - start_col)
    mark = ("^" if label.primary else "-") * width
    style = "error" if label.primary else "blue"
    bar = paint("blue", "|")
    pad = " " * gutter
    underline = " " * start_col + paint(style, mark + (f" {escaped(label.message)}"
                                                       if label.message else ""))
    return [f"{pad} {bar}", f"{paint('blue', str(span.line).rjust(gutter))} {bar} {text}",
            f"{pad} {bar} {underline}"]


def _shown(line: str) -> str:
    return escaped(line.replace("\t", "    "))


def _width(text: str) -> int:
    """The columns `text` takes in a terminal: wide (East Asian, most emoji) characters take
    two, combining marks none; so that carets line up under what they point at."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _witness(witness: Witness, pad: str, paint: _Paint) -> list[str]:
    lines: list[str] = []
    rows = [(name, format_value(value)) for name, value in witness.situation.items()]
    if rows:
        lines.append(f"{pad} {paint('blue', '=')} witness situation:")
        lines.extend(_table(rows, pad))
    if witness.defines:
        lines.append(f"{pad}   defines:")
        lines.extend(_table([(n, format_value(v)) for n, v in witness.defines.items()], pad))
    if witness.conduct:
        lines.append(f"{pad}   conduct:")
        lines.extend(_table([(n, format_value(v)) for n, v in witness.conduct.items()], pad))
    if witness.active or witness.defeated:
        lines.append(f"{pad}   active norms: {escaped(', '.join(witness.active)) or '(none)'}")
        if witness.defeated:
            lines.append(f"{pad}   defeated norms: {escaped(', '.join(witness.defeated))}")
    if witness.time is not None:
        lines.extend(_timeline(witness.time, pad))
    return lines


def _timeline(time: TimedWitness, pad: str) -> list[str]:
    """time.md's timeline block: each event occurrence with the instances it triggers."""
    from ..core.durations import duration_text

    lines = [f"{pad}   timeline:"]
    triggers = sorted({t for t, _ in time.timeline} | {t for _, t, *_ in time.instances})
    for at in triggers:
        events = ", ".join(e for t, e in time.timeline if t == at) or "start"
        head = f"{'t = ' + duration_text(at):<14} {events:<14}"
        here = [i for i in time.instances if i[1] == at]
        values = [f"{escaped(fact)} = {escaped(format_value(value))}" for t, fact, value in time.values
                  if t == at]
        if values:
            lines.append(f"{pad}     {head} ({', '.join(values)})".rstrip())
            head = " " * len(head)
        if not here and not values:
            lines.append(f"{pad}     {head}".rstrip())
        for norm, _, modality, target, low, high, status in here:
            word = {"must": "due", "must not": "forbidden", "may": "allowed"}[modality]
            end = "..." if high is None else duration_text(high)
            note = "" if status == "active" else f" ({status})"
            lines.append(f"{pad}     {head} {escaped(norm)}: {escaped(target)} {word} in "
                         f"[{duration_text(low)}, {end}]{note}")
            head = " " * len(head)
    for at, actions in time.conduct:
        lines.append(f"{pad}     conduct at {duration_text(at)}: "
                     f"{escaped(', '.join(actions)) or 'nothing'}")
    return lines


def _table(rows: list[tuple[str, str]], pad: str) -> list[str]:
    rows = [(escaped(name), escaped(value)) for name, value in rows]
    width = max(len(name) for name, _ in rows)
    return [f"{pad}     {name.ljust(width)} = {value}" for name, value in rows]
