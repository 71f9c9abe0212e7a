"""`--format json`: schema version 1 (normlang/data/findings.schema.json).

Witness values: booleans and integers as JSON values, enum values as strings,
reals as exact strings (`"1/2"`, or `"3"` when whole).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..core.findings import Finding, Label, TimedWitness, Witness, WitnessValue, json_value
from ..core.source import Span
from .model import Report, summary_counts

SCHEMA_VERSION = 1


def value_to_json(value: WitnessValue) -> Any:
    return json_value(value)


def witness_to_dict(witness: Witness | None) -> dict[str, Any] | None:
    return None if witness is None else witness.to_json()


def _span_dict(span: Span) -> dict[str, Any]:
    return {"file": span.path, "line": span.line, "column": span.col,
            "end_line": span.end_line, "end_column": span.end_col}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "severity": finding.severity.value,
        "message": finding.message,
        **_span_dict(finding.span),
        "norms": list(finding.norms),
        "values": [list(side) for side in finding.values],
        "witness": witness_to_dict(finding.witness),
        "help": list(finding.help),
        "related": [{**_span_dict(label.span), "message": label.message}
                    for label in finding.labels if not label.primary],
        "root": finding.root if finding.root is not None else finding.span.path,
    }


def render_json(report: Report) -> str:
    import json  # here, not above: records cross worker processes without it

    document = {
        "version": SCHEMA_VERSION,
        "findings": [finding_to_dict(f) for f in report.findings],
        "summary": {**summary_counts(report.findings), "files": report.files_checked},
    }
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- round trip (the cache)


def finding_to_record(finding: Finding) -> dict[str, Any]:
    """A lossless JSON form of a finding (offsets and typed witness values kept)."""
    def span(s: Span) -> list[Any]:
        return [s.path, s.start, s.end, s.line, s.col, s.end_line, s.end_col]

    def value(v: WitnessValue) -> list[Any]:
        if isinstance(v, bool):
            return ["b", v]
        if isinstance(v, int):
            return ["i", v]
        if isinstance(v, Fraction):
            return ["r", str(v)]
        return ["s", v]

    witness = finding.witness
    return {
        "kind": finding.kind, "message": finding.message, "span": span(finding.span),
        "labels": [[span(lb.span), lb.message, lb.primary] for lb in finding.labels],
        "norms": list(finding.norms), "help": list(finding.help),
        "values": [list(v) for v in finding.values], "root": finding.root,
        "witness": None if witness is None else {
            "situation": [[k, value(v)] for k, v in witness.situation.items()],
            "conduct": [[k, v] for k, v in witness.conduct.items()],
            "defines": [[k, value(v)] for k, v in witness.defines.items()],
            "active": list(witness.active), "defeated": list(witness.defeated),
            **({"time": _time_record(witness.time, value)} if witness.time is not None
               else {}),
        },
    }


def _time_record(time: TimedWitness, value: Callable[[WitnessValue], list[Any]]) -> list[Any]:
    """A timed witness with its times as exact strings."""
    def text(number: Fraction | None) -> str | None:
        return None if number is None else str(number)

    return [[[str(t), e] for t, e in time.timeline],
            [[n, str(t), m, x, str(lo), text(hi), st] for n, t, m, x, lo, hi, st in
             time.instances],
            [[str(t), list(a)] for t, a in time.conduct], time.repair,
            [[str(t), f, value(v)] for t, f, v in time.values]]


def _time_from_record(raw: list[Any], value: Callable[[list[Any]], WitnessValue]
                      ) -> TimedWitness:
    def number(text: str | None) -> Fraction | None:
        return None if text is None else Fraction(text)

    timeline, instances, conduct, repair, values = raw
    return TimedWitness(
        tuple((Fraction(t), str(e)) for t, e in timeline),
        tuple((str(n), Fraction(t), str(m), str(x), Fraction(lo), number(hi), str(st))
              for n, t, m, x, lo, hi, st in instances),
        tuple((Fraction(t), tuple(a)) for t, a in conduct), repair,
        tuple((Fraction(t), str(f), value(v)) for t, f, v in values))


def finding_from_record(record: dict[str, Any]) -> Finding:
    def span(items: list[Any]) -> Span:
        return Span(str(items[0]), *[int(i) for i in items[1:]])

    def value(item: list[Any]) -> WitnessValue:
        tag, raw = item
        if tag == "b":
            return bool(raw)
        if tag == "i":
            return int(raw)
        if tag == "r":
            return Fraction(raw)
        return str(raw)

    raw_witness = record["witness"]
    witness = None if raw_witness is None else Witness(
        situation={k: value(v) for k, v in raw_witness["situation"]},
        conduct={k: bool(v) for k, v in raw_witness["conduct"]},
        defines={k: value(v) for k, v in raw_witness["defines"]},
        active=tuple(raw_witness["active"]), defeated=tuple(raw_witness["defeated"]),
        time=_time_from_record(raw_witness["time"], value) if "time" in raw_witness else None,
    )
    return Finding(
        record["kind"], record["message"], span(record["span"]),
        tuple(Label(span(s), str(m), bool(p)) for s, m, p in record["labels"]),
        tuple(record["norms"]), witness, tuple(record["help"]),
        tuple(tuple(v) for v in record["values"]),
        None if record.get("root") is None else str(record["root"]),
    )
