#!/usr/bin/env python3
"""normcheck against N-Check (LEGOS-SLEEC) on the SLEEC case studies, side by side.

    bench/sleec_compare.py --legos PATH --nchek "python commandline_tool.py"
    bench/sleec_compare.py --legos PATH --nchek-results DIR      # N-Check's saved outputs

PATH is a checkout of LEGOS-SLEEC (its case studies are read from there; none is kept in
this repository). N-Check runs at PATH's root as `NCHEK FILE ANALYSIS` for each analysis
(`red`, `c`, `sc` by default; `--analyses red,c,sc,con,pur` adds concerns and purposes),
one run each with a timeout; `--nchek-results DIR` reads instead the outputs saved as
`DIR/<file, / as _>.<analysis>.out` with their times in `DIR/times*.tsv` (columns: file,
analysis, wall seconds, user, system). normcheck runs `--repeat` times per file (`--no-cache
--format json`), the fastest counted.

Prints a markdown table: per case study, the wall times (normcheck's whole process, and the
sum of N-Check's analyses; no speed-up where normcheck did not check the file, with the
constructs it refused instead of findings) and the findings of each: normcheck's by kind with the norms
they name, N-Check's redundant rules (`red`), conflicting rules (`c`), situational
conflicts (`sc`: the rule and the rules that block it), raised concerns (`con`) and
blocked purposes (`pur`). Rule numbers in N-Check's output are turned into names by the
order of the rules (concerns, purposes) in the file.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import shlex
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

#: the nine case studies, initial and corrected, as LEGOS-SLEEC lays them out
CASE_STUDIES = (
    ("ALMI", "ALMI/ALMI.sleec", "ALMI/ALMI-Corrected.sleec"),
    ("ASPEN", "ASPEN/aspen.sleec", "ASPEN/aspen-corrected.sleec"),
    ("AutoCar", "Autocar/Autocar.sleec", "Autocar/Autocar-corrected.sleec"),
    ("BSN", "BSN/BSN.sleec", "BSN/BSN-corrected.sleec"),
    ("CSI-Cobot", "CSI/CSI.sleec", "CSI/CSI-corrected.sleec"),
    ("DAISY", "DAISY/Daisy.sleec", "DAISY/Daisy-corrected.sleec"),
    ("DPA", "gdpr/DPA.sleec", "gdpr/DPA-corrected.sleec"),
    ("DressAssist", "dressingAssist/DRESSASSIST.sleec",
     "dressingAssist/DRESSASSIST-corrected.sleec"),
    ("SafeSCAD", "safescade/safescade.sleec", "safescade/safescade-corrected.sleec"),
)

_BLOCK = re.compile(r"^(rule_start|rule_end|concern_start|concern_end|purpose_start|"
                    r"purpose_end)\b")
_NAMED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(when|exists)\b")


@dataclass
class NCheck:
    """What N-Check said about one file."""

    #: wall and CPU seconds of `red`, `c` and `sc`; wall seconds of `con` and `pur`
    seconds: float = 0.0
    cpu: float = 0.0
    other_seconds: float = 0.0
    missing: list[str] = field(default_factory=list)
    redundant: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    situational: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)

    def add_time(self, analysis: str, seconds: float, cpu: float) -> None:
        if analysis in ("red", "c", "sc"):
            self.seconds += seconds
            self.cpu += cpu
        else:
            self.other_seconds += seconds


@dataclass
class NormCheck:
    """What normcheck said about one file."""

    seconds: float
    cpu: float
    exit_code: int
    kinds: Counter[str]
    named: dict[str, list[str]]
    #: why the file was not checked: the refused constructs (or errors), counted
    refused: Counter[str]


def names_by_block(text: str) -> dict[str, list[str]]:
    """The rules, concerns and purposes of a SLEEC file, in order, by block."""
    blocks: dict[str, list[str]] = {"rule": [], "concern": [], "purpose": []}
    current = None
    for written in text.splitlines():
        line = written.split("//", 1)[0]
        start = _BLOCK.match(line.strip())
        if start:
            word, _, edge = start.group(1).partition("_")
            current = word if edge == "start" else None
            continue
        named = _NAMED.match(line)
        if current is not None and named:
            blocks[current].append(named.group(1))
    return blocks


def _checks(output: str, marker: str) -> list[tuple[int, str]]:
    """(number, text) of each `check MARKER_N` block of N-Check's output."""
    pieces = re.split(rf"^check {marker}_(\d+)\s*$", output, flags=re.MULTILINE)
    return [(int(pieces[i]), pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)]


def _name(names: list[str], number: int) -> str:
    return names[number - 1] if 0 < number <= len(names) else f"#{number}"


def read_nchek(analysis: str, output: str, names: dict[str, list[str]], found: NCheck) -> None:
    """Add one analysis's answers (N-Check's output text) to `found`."""
    if analysis == "red":
        found.redundant += [_name(names["rule"], n) for n, text in _checks(output, "rule")
                            if "Conflict detected" in text]
    elif analysis == "c":
        found.conflicting += [_name(names["rule"], n) for n, text in _checks(output, "rule")
                              if "Conflicting SLEEC rule" in text or "Conflict detected" in text]
    elif analysis == "sc":
        for block in output.split("Situational conflict under situation")[1:]:
            rule = re.search(r"For rule:\s*\n\s*([A-Za-z_]\w*)", block)
            because = block.split("Because of the following SLEEC rule:", 1)[-1]
            blockers = [name for name in re.findall(r"^\s*([A-Za-z_]\w*)\s+when\b", because,
                                                    flags=re.MULTILINE)
                        if name in names["rule"]]
            found.situational.append(
                f"{rule.group(1) if rule else '?'}<-{'+'.join(sorted(set(blockers))) or '?'}")
    elif analysis == "con":
        found.concerns += [_name(names["concern"], n) for n, text in _checks(output, "concern")
                           if "Concern is raised" in text]
    elif analysis == "pur":
        found.purposes += [_name(names["purpose"], n) for n, text in _checks(output, "rule")
                           if "Not Blocking" not in text]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_nchek(legos: Path, command: list[str], path: str, analyses: list[str],
              timeout: float, names: dict[str, list[str]]) -> NCheck:
    found = NCheck()
    for analysis in analyses:
        start, cpu = time.perf_counter(), _children_cpu()
        try:
            done = subprocess.run([*command, path, analysis], cwd=legos, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            found.add_time(analysis, timeout, _children_cpu() - cpu)
            found.missing.append(f"{analysis}: timeout")
            continue
        found.add_time(analysis, time.perf_counter() - start, _children_cpu() - cpu)
        if done.returncode != 0:
            found.missing.append(f"{analysis}: exit {done.returncode}")
        read_nchek(analysis, done.stdout + done.stderr, names, found)
    return found


def saved_nchek(results: Path, path: str, analyses: list[str],
                names: dict[str, list[str]]) -> NCheck:
    found = NCheck()
    times: dict[tuple[str, str], tuple[float, float]] = {}
    for table in sorted(results.glob("times*.tsv")):
        with table.open(encoding="utf-8") as stream:
            for row in csv.reader(stream, delimiter="\t"):
                if len(row) >= 5 and all(re.fullmatch(r"[0-9.]+", v) for v in row[2:5]):
                    times[(row[0], row[1])] = (float(row[2]), float(row[3]) + float(row[4]))
    for analysis in analyses:
        output = results / f"{path.replace('/', '_')}.{analysis}.out"
        if not output.exists() or (path, analysis) not in times:
            found.missing.append(f"{analysis}: not saved")
            continue
        found.add_time(analysis, *times[(path, analysis)])
        read_nchek(analysis, output.read_text(encoding="utf-8", errors="replace"), names, found)
    return found


def run_normcheck(legos: Path, command: list[str], path: str, timeout: float,
                  text: str, repeat: int) -> NormCheck:
    seconds = cpu = float("inf")
    for _ in range(repeat):  # the best of `repeat` runs: a shared machine only adds time
        start, used = time.perf_counter(), _children_cpu()
        # normcheck stops itself at the limit (and says the file is undecided)
        done = subprocess.run([*command, "--no-cache", "--format", "json", "--run-timeout",
                               str(timeout), path], cwd=legos, capture_output=True, text=True,
                              timeout=timeout + 60)
        seconds = min(seconds, time.perf_counter() - start)
        cpu = min(cpu, _children_cpu() - used)
    try:
        document = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"normcheck gave no JSON on {path} (exit {done.returncode}): {done.stderr}")
    kinds: Counter[str] = Counter()
    named: dict[str, list[str]] = {}
    refused: Counter[str] = Counter()
    lines = text.splitlines()
    for finding in document["findings"]:
        kind = finding["kind"]
        if kind in _MALFORMED:  # not checked: say why, by construct
            refused[_refusal(finding["message"])] += 1
            continue
        kinds[kind] += 1
        if kind == "expectation-failed":  # the concern or purpose on its line
            line = lines[finding["line"] - 1] if finding.get("line") else ""
            match = _NAMED.match(line)
            label = match.group(1) if match else "?"
        elif kind in ("conflict", "redundant-norm", "dead-norm", "shadowed-norm"):
            norms = finding.get("norms", [])
            label = "+".join(norms) if kind == "conflict" else (norms[0] if norms else "?")
        else:
            continue
        named.setdefault(kind, []).append(label)
    return NormCheck(seconds, cpu, done.returncode, kinds, named, refused)


_MALFORMED = frozenset({"syntax-error", "name-error", "type-error", "import-error"})


def _refusal(message: str) -> str:
    """What a malformed-spec finding refuses: the construct the resolver does not check
    yet (`X are not supported yet`), else the message with names left out."""
    for ending in (" are not supported yet", " is not supported yet"):
        if message.endswith(ending):
            return message.removesuffix(ending)
    return re.sub(r"`[^`]*`", "`…`", message)


_SHORT = {"conflict": "conflict", "redundant-norm": "redundant", "dead-norm": "dead",
          "shadowed-norm": "shadowed", "expectation-failed": "failed"}


def normcheck_cell(result: NormCheck) -> str:
    if result.refused:
        return "not checked: " + "; ".join(
            f"{why} ({count})" for why, count in sorted(result.refused.items()))
    parts = []
    for kind, count in sorted(result.kinds.items()):
        listed = result.named.get(kind)
        shown = f" ({', '.join(sorted(listed))})" if listed else ""
        parts.append(f"{_SHORT.get(kind, kind)} {count}{shown}")
    return "; ".join(parts) or "none"


def nchek_cell(found: NCheck, analyses: list[str]) -> str:
    parts = []
    for analysis, label, values in (("red", "redundant", found.redundant),
                                     ("c", "conflicting", found.conflicting),
                                     ("sc", "situational", found.situational),
                                     ("con", "concerns raised", found.concerns),
                                     ("pur", "purposes blocked", found.purposes)):
        if analysis in analyses:
            listed = f" ({', '.join(sorted(values))})" if values else ""
            parts.append(f"{label} {len(values)}{listed}")
    if found.other_seconds:
        parts.append(f"(con, pur: {found.other_seconds:.1f} s more)")
    if found.missing:
        parts.append("missing: " + ", ".join(found.missing))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--legos", type=Path, required=True,
                        help="a checkout of LEGOS-SLEEC (the case studies are read there)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--nchek", help="N-Check's command, run at the checkout's root, "
                                        "e.g. 'python commandline_tool.py'")
    source.add_argument("--nchek-results", type=Path,
                        help="a folder of N-Check's saved outputs and times (see above)")
    parser.add_argument("--normcheck", default="normcheck", help="normcheck's command")
    parser.add_argument("--analyses", default="red,c,sc",
                        help="N-Check's analyses, comma-separated (red, c, sc, con, pur)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--only", action="append", help="only these case studies")
    parser.add_argument("--repeat", type=int, default=3,
                        help="normcheck runs per file, the fastest counted (N-Check runs once)")
    args = parser.parse_args(argv)
    analyses = args.analyses.split(",")
    timed = ", ".join(a for a in analyses if a in ("red", "c", "sc"))
    print(f"| case study | file | normcheck s (CPU) | N-Check {timed} s (CPU) "
          f"| speed-up wall (CPU) | normcheck findings | N-Check findings |")
    print("|---|---|---:|---:|---:|---|---|")
    for study, *paths in CASE_STUDIES:
        if args.only and study not in args.only:
            continue
        for path in paths:
            text = (args.legos / path).read_text(encoding="utf-8", errors="replace")
            names = names_by_block(text)
            ours = run_normcheck(args.legos, shlex.split(args.normcheck), path, args.timeout,
                                 text, args.repeat)
            if args.nchek_results is not None:
                theirs = saved_nchek(args.nchek_results, path, analyses, names)
            else:
                theirs = run_nchek(args.legos, shlex.split(args.nchek), path, analyses,
                                   args.timeout, names)
            wall = theirs.seconds / ours.seconds if ours.seconds else float("inf")
            cpu = theirs.cpu / ours.cpu if ours.cpu else float("inf")
            undecided = ours.refused or ours.kinds.get("solver-unknown")
            factor = "—" if undecided else f"{wall:.0f}x ({cpu:.0f}x)"
            print(f"| {study} | {path} | {ours.seconds:.2f} ({ours.cpu:.2f}) "
                  f"| {theirs.seconds:.1f} ({theirs.cpu:.1f}) | {factor} "
                  f"| {normcheck_cell(ours)} | {nchek_cell(theirs, analyses)} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
