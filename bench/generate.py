#!/usr/bin/env python3
"""Synthetic rule books for benchmarks, with a known list of planted findings.

    python bench/generate.py --norms N --out DIR [--seed S] [--no-planted]

writes `DIR/main.norm` (the root: it imports every part), `DIR/vocabulary.norm`
(layers, agents, enum types), `DIR/part_NNN.norm` (facts, actions and norms of a
slice of the book) and `DIR/manifest.json` (the planted findings, by kind).

Shape of the book. Agents, actions and facts grow with N (actions ≈ N/5, facts
≈ N/10). Every background action is touched by 3–7 norms of mixed modality
(`must`, `must not`, `may`) over conditions of 2–6 atoms: booleans, enum
comparisons, ordered-scale thresholds and int thresholds. Each norm on an
action carries a distinct value of a "slot" enum fact, so the norms of one
action are pairwise exclusive: the background never clashes, is never
redundant and is never dead, and every finding of the checker must be one of
the planted ones. Each action is its own group, so most norms are independent
of each other, as in real rule books.

Planted findings (each on actions of its own, and counted in N):
  conflict        two same-layer norms, `must a` vs `must not a`, overlapping conditions
  dead-norm       `when x > hi and x < lo` on an int fact
  compliance-gap  `expect model_spec complies with regulation for AGENT` that fails
  overridden      a clash resolved by `overrides` (same layer) or by the layer order
plus expectations that hold (a model-spec norm that covers the regulation) and
so must produce nothing. No permission is undermined and no norm redundant: a
permission or a duty is judged within its own group (language.md, *Meaning*),
and a planted conflict's group, on actions of its own, holds no other norm.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

LAYERS = ("regulation", "organization", "model_spec", "user")
SLOT_VALUES = tuple(f"k{i}" for i in range(8))
MODE_VALUES = ("off", "basic", "standard", "strict", "audit")
SCALE_VALUES = ("s0", "s1", "s2", "s3", "s4")
INT_HIGH = 100
NORMS_PER_FILE = 1000


@dataclass(frozen=True)
class Fact:
    """A fact of the book: kind is bool, int (0..INT_HIGH), mode (enum), scale (ordered) or slot."""

    name: str
    kind: str


@dataclass(frozen=True)
class Atom:
    """One comparison over one fact; `value` is an int for int facts, a value name otherwise."""

    fact: Fact
    op: str
    value: object = None

    def norm_text(self) -> str:
        if self.fact.kind == "bool":
            return self.fact.name if self.op == "is" else f"not {self.fact.name}"
        return f"{self.fact.name} {self.op} {self.value}"

    def holds(self, situation: dict[str, object]) -> bool:
        """Plain evaluation, used to decide what the planted spec must say."""
        actual = situation[self.fact.name]
        if self.fact.kind == "bool":
            return bool(actual) == (self.op == "is")
        if self.fact.kind == "scale":
            actual, wanted = SCALE_VALUES.index(str(actual)), SCALE_VALUES.index(str(self.value))
        else:
            wanted = self.value
        return bool(_COMPARE[self.op](actual, wanted))


_NEGATED = {"is": "not", "not": "is", "==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=",
            "<=": ">"}


def negate(atom: Atom) -> Atom:
    return Atom(atom.fact, _NEGATED[atom.op], atom.value)


def domain(fact: Fact) -> tuple[object, ...]:
    """Every value of a fact's type (small enough to enumerate per fact)."""
    return {"bool": (False, True), "int": tuple(range(INT_HIGH + 1)), "mode": MODE_VALUES,
            "scale": SCALE_VALUES, "slot": SLOT_VALUES}[fact.kind]


def satisfiable(atoms: list[Atom]) -> bool:
    """Whether some situation meets every atom (atoms constrain one fact each, no assumes)."""
    by_fact: dict[str, list[Atom]] = {}
    for atom in atoms:
        by_fact.setdefault(atom.fact.name, []).append(atom)
    return all(any(all(a.holds({a.fact.name: v}) for a in group) for v in domain(group[0].fact))
               for group in by_fact.values())


_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Norm:
    """A norm over one action; applicable when every `when` atom holds and not all `unless` atoms do."""

    name: str
    layer: str
    agent: str
    modality: str  # "must", "must not", "may"
    action: str  # unqualified action name
    when: tuple[Atom, ...]
    unless: tuple[Atom, ...] = ()
    overrides: tuple[str, ...] = ()
    source: str = ""

    @property
    def qualified_action(self) -> str:
        return f"{self.agent}.{self.action}"

    def region(self) -> list[Atom]:
        """Atoms whose conjunction is applicability (`unless` has at most one atom here)."""
        assert len(self.unless) <= 1
        return [*self.when, *(negate(a) for a in self.unless)]

    def applicable(self, situation: dict[str, object]) -> bool:
        return (all(a.holds(situation) for a in self.when)
                and not (self.unless and all(a.holds(situation) for a in self.unless)))


@dataclass
class Part:
    """One file of the book."""

    name: str
    facts: list[Fact] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (agent, action)
    norms: list[Norm] = field(default_factory=list)
    expects: list[str] = field(default_factory=list)


@dataclass
class Book:
    """A generated rule book and the findings planted in it."""

    size: int
    seed: int
    agents: list[str]
    parts: list[Part]
    planted: list[dict[str, object]]

    @property
    def norms(self) -> list[Norm]:
        return [n for p in self.parts for n in p.norms]

    @property
    def facts(self) -> list[Fact]:
        return [f for p in self.parts for f in p.facts]

    @property
    def actions(self) -> list[tuple[str, str]]:
        return [a for p in self.parts for a in p.actions]


# ---------------------------------------------------------------- building


def planted_per_kind(size: int) -> int:
    """How many findings of each kind to plant: grows like sqrt(N), at least 2."""
    return max(2, int(math.sqrt(size) / 5))


def build_book(size: int, seed: int = 0, planted: bool = True) -> Book:
    """The rule book of `size` norms (planted norms included)."""
    rng = random.Random(seed)
    agent_count = max(3, size // 100)
    agents = [f"agent{i}" for i in range(agent_count)]
    per_kind = planted_per_kind(size) if planted else 0
    gaps = max(1, per_kind // 2) if planted else 0
    planted_norms = per_kind * 2 + per_kind + gaps * 2 + gaps * 2 + per_kind * 2
    background = max(0, size - planted_norms)
    part_count = max(2, math.ceil(size / NORMS_PER_FILE))
    parts = [Part(f"part_{i:03d}") for i in range(part_count)]
    share = _split(background, part_count)
    for part, norms in zip(parts, share):
        _fill_background(part, norms, agents, rng)
    book = Book(size, seed, agents, parts, [])
    if planted:
        _plant(book, per_kind, gaps, rng)
    return book


def _split(total: int, pieces: int) -> list[int]:
    base, extra = divmod(total, pieces)
    return [base + (1 if i < extra else 0) for i in range(pieces)]


def _fill_background(part: Part, norm_count: int, agents: list[str], rng: random.Random) -> None:
    fact_count = max(12, norm_count // 10)
    kinds = ["slot", "bool", "int", "bool", "mode", "int", "bool", "scale", "slot", "int", "bool",
             "mode"]
    number = part.name[5:]
    for i in range(fact_count):
        kind = kinds[i % len(kinds)]
        part.facts.append(Fact(f"f{number}_{kind}{i}", kind))
    slots = [f for f in part.facts if f.kind == "slot"]
    plain = [f for f in part.facts if f.kind != "slot"]
    made = 0
    index = 0
    while made < norm_count:
        agent = rng.choice(agents)
        action = f"act{number}_{index}"
        part.actions.append((agent, action))
        count = min(norm_count - made, rng.randint(3, 7))
        slot = rng.choice(slots)
        for value in rng.sample(SLOT_VALUES, count):
            part.norms.append(_background_norm(f"n{number}_{made}", agent, action,
                                               Atom(slot, "==", value), plain, rng))
            made += 1
        index += 1


def _background_norm(name: str, agent: str, action: str, slot_atom: Atom,
                     plain: list[Fact], rng: random.Random) -> Norm:
    extra = rng.sample(plain, rng.randint(1, 5))
    atoms = [_random_atom(fact, rng) for fact in extra]
    unless: tuple[Atom, ...] = ()
    if len(atoms) > 1 and rng.random() < 0.3:
        unless = (atoms.pop(),)
    modality = rng.choice(("must", "must", "must not", "must not", "may"))
    source = f"Rule book §{rng.randint(1, 99)}.{rng.randint(1, 30)}" if rng.random() < 0.3 else ""
    return Norm(name, rng.choice(LAYERS), agent, modality, action,
                (slot_atom, *atoms), unless, source=source)


def _random_atom(fact: Fact, rng: random.Random) -> Atom:
    if fact.kind == "bool":
        return Atom(fact, rng.choice(("is", "not")))
    if fact.kind == "int":
        return Atom(fact, rng.choice((">", ">=", "<", "<=")), rng.randint(5, INT_HIGH - 5))
    if fact.kind == "mode":
        return Atom(fact, rng.choice(("==", "!=")), rng.choice(MODE_VALUES))
    return Atom(fact, rng.choice((">=", "<=")), rng.choice(SCALE_VALUES[1:-1]))


def _pick(part: Part, kind: str, rng: random.Random, count: int = 1) -> list[Fact]:
    return rng.sample([f for f in part.facts if f.kind == kind], count)


def _plant(book: Book, per_kind: int, gaps: int, rng: random.Random) -> None:
    for i in range(per_kind):
        _plant_conflict(book, rng.choice(book.parts), i, rng)
        _plant_dead(book, rng.choice(book.parts), i, rng)
        _plant_override(book, rng.choice(book.parts), i, rng, by_layer=i % 2 == 1)
    for i in range(gaps):
        _plant_gap(book, rng.choice(book.parts), i, rng, holds=False)
        _plant_gap(book, rng.choice(book.parts), i, rng, holds=True)


def _plant_conflict(book: Book, part: Part, i: int, rng: random.Random) -> None:
    p, q = _pick(part, "bool", rng, 2)
    (x,) = _pick(part, "int", rng)
    agent, action, layer = rng.choice(book.agents), f"clash_act{i}", rng.choice(LAYERS)
    part.actions.append((agent, action))
    first = Norm(f"planted_conflict{i}_a", layer, agent, "must", action,
                 (Atom(p, "is"), Atom(x, ">", 30)))
    second = Norm(f"planted_conflict{i}_b", layer, agent, "must not", action,
                  (Atom(q, "is"), Atom(x, "<", 70)))
    part.norms += [first, second]
    book.planted.append({"kind": "conflict", "norms": sorted([first.name, second.name])})


def _plant_dead(book: Book, part: Part, i: int, rng: random.Random) -> None:
    (p,) = _pick(part, "bool", rng)
    (x,) = _pick(part, "int", rng)
    agent, action = rng.choice(book.agents), f"dead_act{i}"
    part.actions.append((agent, action))
    norm = Norm(f"planted_dead{i}", rng.choice(LAYERS), agent, rng.choice(("must", "must not")),
                action, (Atom(p, "is"), Atom(x, ">", 60), Atom(x, "<", 40)))
    part.norms.append(norm)
    book.planted.append({"kind": "dead-norm", "norms": [norm.name]})


def _plant_override(book: Book, part: Part, i: int, rng: random.Random, by_layer: bool) -> None:
    """A clash that priority resolves; neither norm covers the other, so neither is shadowed."""
    p, q = _pick(part, "bool", rng, 2)
    agent, action = rng.choice(book.agents), f"prio_act{i}"
    part.actions.append((agent, action))
    loser_name, winner_name = f"planted_loser{i}", f"planted_winner{i}"
    if by_layer:
        loser_layer, winner_layer, overrides = "user", "regulation", ()
    else:
        layer = rng.choice(LAYERS)
        loser_layer, winner_layer, overrides = layer, layer, (loser_name,)
    loser = Norm(loser_name, loser_layer, agent, "must not", action, (Atom(p, "is"),))
    winner = Norm(winner_name, winner_layer, agent, "must", action, (Atom(q, "is"),),
                  overrides=overrides)
    part.norms += [loser, winner]
    book.planted.append({"kind": "overridden", "norms": [loser.name, winner.name]})


def _plant_gap(book: Book, part: Part, i: int, rng: random.Random, holds: bool) -> None:
    """`expect model_spec complies with regulation for AGENT` on a dedicated agent.

    Failing: the regulation demands the action when p, the model spec when q.
    Holding: the regulation demands it when p and q, the model spec when p.
    """
    p, q = _pick(part, "bool", rng, 2)
    tag = "ok" if holds else "gap"
    agent, action = f"{tag}_agent{i}", f"{tag}_act{i}"
    book.agents.append(agent)
    part.actions.append((agent, action))
    regulation = Norm(f"planted_{tag}{i}_regulation", "regulation", agent, "must", action,
                      (Atom(p, "is"), Atom(q, "is")) if holds else (Atom(p, "is"),))
    model_spec = Norm(f"planted_{tag}{i}_model_spec", "model_spec", agent, "must", action,
                      (Atom(p, "is"),) if holds else (Atom(q, "is"),))
    part.norms += [regulation, model_spec]
    part.expects.append(f"expect model_spec complies with regulation for {agent}")
    if not holds:
        book.planted.append({"kind": "compliance-gap", "norms": [regulation.name]})


# ---------------------------------------------------------------- writing


def render_norm(norm: Norm) -> str:
    head = f"norm {norm.name} @{norm.layer}"
    if norm.source:
        head += f' "{norm.source}"'
    if norm.overrides:
        head += " overrides " + ", ".join(norm.overrides)
    lines = [head, "  when " + " and ".join(a.norm_text() for a in norm.when)]
    if norm.unless:
        lines.append("  unless " + " and ".join(a.norm_text() for a in norm.unless))
    lines.append(f"  {norm.agent} {norm.modality} {norm.action}")
    return "\n".join(lines)


def render_fact(fact: Fact) -> str:
    kind = {"bool": "bool", "int": f"int in 0..{INT_HIGH}", "mode": "Mode",
            "scale": "Scale", "slot": "Slot"}[fact.kind]
    return f"fact {fact.name}: {kind}"


def render_vocabulary(book: Book) -> str:
    lines = ["# vocabulary.norm — authority order, agents and enum types (generated)",
             "layers " + " > ".join(LAYERS), ""]
    lines += [f"agent {a}" for a in book.agents]
    lines += ["", "enum Mode { " + ", ".join(MODE_VALUES) + " }",
              "enum Scale { " + " < ".join(SCALE_VALUES) + " }",
              "enum Slot { " + ", ".join(SLOT_VALUES) + " }", ""]
    return "\n".join(lines)


def render_part(part: Part) -> str:
    lines = [f"# {part.name}.norm — a slice of the generated rule book", 'import "vocabulary.norm"', ""]
    lines += [render_fact(f) for f in part.facts]
    lines.append("")
    lines += [f"action {agent}.{action}" for agent, action in part.actions]
    lines.append("")
    for norm in part.norms:
        lines += [render_norm(norm), ""]
    lines += part.expects
    return "\n".join(lines) + "\n"


def manifest(book: Book) -> dict[str, object]:
    counts: dict[str, int] = {}
    for item in book.planted:
        counts[str(item["kind"])] = counts.get(str(item["kind"]), 0) + 1
    return {
        "norms": len(book.norms), "seed": book.seed, "root": "main.norm",
        "agents": len(book.agents), "actions": len(book.actions), "facts": len(book.facts),
        "files": ["main.norm", "vocabulary.norm", *(f"{p.name}.norm" for p in book.parts)],
        "counts": dict(sorted(counts.items())),
        "findings": book.planted,
    }


def write_book(book: Book, out: Path) -> Path:
    """Write the book's files and manifest under `out`; return the root file."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocabulary.norm").write_text(render_vocabulary(book))
    for part in book.parts:
        (out / f"{part.name}.norm").write_text(render_part(part))
    root = out / "main.norm"
    imports = "\n".join(f'import "{p.name}.norm"' for p in book.parts)
    root.write_text(f"# main.norm — generated rule book of {len(book.norms)} norms "
                    f"(seed {book.seed})\n{imports}\n")
    (out / "manifest.json").write_text(json.dumps(manifest(book), indent=1) + "\n")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--norms", type=int, required=True, help="number of norms (planted included)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-planted", action="store_true", help="background norms only")
    args = parser.parse_args(argv)
    if args.norms < 40:
        parser.error("--norms must be at least 40 (room for the planted findings)")
    book = build_book(args.norms, args.seed, planted=not args.no_planted)
    root = write_book(book, args.out)
    info = manifest(book)
    print(f"{root}: {info['norms']} norms, {info['actions']} actions, {info['facts']} facts, "
          f"{info['agents']} agents; planted {info['counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
