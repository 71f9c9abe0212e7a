"""Runtime decisions: `normlang.runtime.query.query` against cedarpy on the same rule book.

A generated book (background norms only: no clashes, so every status is
obliged, permitted or forbidden) is written as `.norm` files for normlang and
translated to Cedar policies:

  `must not a when C unless U`  ->
      `forbid (principal == Agent::"g", action == Action::"g.a", resource) when {C} unless {U};`
  `must a` / `may a`            ->  the same as `permit`
  normlang's default (an action no active norm forbids is allowed)
                                ->  one catch-all `permit (principal, action, resource);`

so Cedar allows exactly when normlang's status is not `forbidden`. Facts go in
the request's context: booleans, ints, enum values as strings, ordered-scale
values as their rank (Cedar compares only numbers with `<`). A decision is one
(situation, agent, action) question; both engines answer the same requests, and
a third opinion comes from the generator's own plain evaluation of each norm.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from generate import SCALE_VALUES, Atom, Book, Norm, build_book, domain, write_book

T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    situation: dict[str, object]
    agent: str
    action: str  # unqualified

    @property
    def qualified(self) -> str:
        return f"{self.agent}.{self.action}"


@dataclass(frozen=True)
class Comparison:
    """Throughput of both engines on one book, and whether they agreed."""

    norms: int
    facts: int
    requests: int
    normlang_per_s: float
    cedar_per_s: float
    disagreements: int
    oracle_disagreements: int
    allowed: int
    first_disagreement: str = ""

    @property
    def ratio(self) -> float:
        return self.normlang_per_s / self.cedar_per_s if self.cedar_per_s else float("inf")


# ---------------------------------------------------------------- translation


def cedar_atom(atom: Atom) -> str:
    ref = f"context.{atom.fact.name}"
    if atom.fact.kind == "bool":
        return ref if atom.op == "is" else f"!{ref}"
    if atom.fact.kind == "scale":
        return f"{ref} {atom.op} {SCALE_VALUES.index(str(atom.value))}"
    if atom.fact.kind == "int":
        return f"{ref} {atom.op} {atom.value}"
    return f'{ref} {atom.op} "{atom.value}"'


def cedar_policy(norm: Norm) -> str:
    effect = "forbid" if norm.modality == "must not" else "permit"
    head = (f'{effect} (principal == Agent::"{norm.agent}", '
            f'action == Action::"{norm.qualified_action}", resource)')
    when = " && ".join(cedar_atom(a) for a in norm.when)
    text = f"// {norm.name}\n{head}\nwhen {{ {when} }}"
    if norm.unless:
        text += "\nunless { " + " && ".join(cedar_atom(a) for a in norm.unless) + " }"
    return text + ";"


def cedar_policies(book: Book) -> str:
    rules = [cedar_policy(n) for n in book.norms]
    rules.append("// normlang's default: what no active norm forbids is allowed\n"
                 "permit (principal, action, resource);")
    return "\n\n".join(rules) + "\n"


def cedar_context(situation: dict[str, object], book: Book) -> dict[str, object]:
    kinds = {f.name: f.kind for f in book.facts}
    return {name: SCALE_VALUES.index(str(value)) if kinds[name] == "scale" else value
            for name, value in situation.items()}


# ---------------------------------------------------------------- requests


def random_requests(book: Book, count: int, seed: int) -> list[Request]:
    """Situations drawn per fact; half of the actions asked about are ones whose norms apply."""
    rng = random.Random(seed)
    by_action: dict[str, list[Norm]] = {}
    for norm in book.norms:
        by_action.setdefault(norm.qualified_action, []).append(norm)
    requests = []
    for _ in range(count):
        situation = {f.name: rng.choice(domain(f)) for f in book.facts}
        agent, action = rng.choice(book.actions)
        norms = by_action.get(f"{agent}.{action}", [])
        if norms and rng.random() < 0.5:
            # steer the slot fact so one of this action's norms is a candidate
            slot_atom = rng.choice(norms).when[0]
            situation[slot_atom.fact.name] = slot_atom.value
        requests.append(Request(situation, agent, action))
    return requests


def oracle_allows(book: Book, request: Request) -> bool:
    """The generator's own reading: allowed unless an applicable `must not` targets the action."""
    return not any(n.modality == "must not" and n.qualified_action == request.qualified
                   and n.applicable(request.situation) for n in book.norms)


# ---------------------------------------------------------------- measuring


def _timed(rounds: int, answer: Callable[[], list[T]]) -> tuple[float, list[T]]:
    """The median time of `rounds` passes over the same requests (the machine is noisy)."""
    times = []
    answers: list[T] = []
    for _ in range(rounds):
        started = time.perf_counter()
        answers = answer()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answers


def compare(size: int, requests: int, seed: int = 7, rounds: int = 5) -> Comparison:
    """Build a book of `size` norms, answer `requests` questions with both engines, time both
    (median of `rounds` passes)."""
    import cedarpy

    import normlang
    from normlang.runtime.query import query

    book = build_book(size, seed, planted=False)
    with tempfile.TemporaryDirectory(prefix="normlang-query-") as folder:
        loaded = normlang.load(write_book(book, Path(folder)))
    if loaded.spec is None:
        raise RuntimeError(f"generated spec does not load: {[f.message for f in loaded.findings]}")
    spec = loaded.spec
    asked = random_requests(book, requests, seed)

    query(spec, asked[0].situation, actions=[asked[0].qualified])  # compile once, untimed
    normlang_s, normlang_answers = _timed(
        rounds, lambda: [query(spec, r.situation, actions=[r.qualified]) for r in asked])
    # a request normlang cannot answer raises QueryError (query fails closed)
    normlang_allows = [a.statuses[r.qualified] != "forbidden" for a, r in zip(normlang_answers, asked)]

    policies = cedarpy.PolicySet.from_str(cedar_policies(book))
    entities = cedarpy.Entities.from_json_str("[]")
    cedar_requests = [{"principal": f'Agent::"{r.agent}"', "action": f'Action::"{r.qualified}"',
                       "resource": 'Resource::"r"', "context": cedar_context(r.situation, book)}
                      for r in asked]
    cedarpy.is_authorized(cedar_requests[0], policies, entities)  # warm up, untimed
    cedar_s, cedar_answers = _timed(
        rounds, lambda: [cedarpy.is_authorized(r, policies, entities) for r in cedar_requests])
    cedar_allows = [a.allowed for a in cedar_answers]

    oracle = [oracle_allows(book, r) for r in asked]
    first = next((i for i, answers in enumerate(zip(normlang_allows, cedar_allows, oracle))
                  if len(set(answers)) > 1), None)
    return Comparison(
        norms=len(book.norms), facts=len(book.facts), requests=len(asked),
        normlang_per_s=len(asked) / normlang_s, cedar_per_s=len(asked) / cedar_s,
        disagreements=sum(a != b for a, b in zip(normlang_allows, cedar_allows)),
        oracle_disagreements=sum(a != b for a, b in zip(normlang_allows, oracle)),
        allowed=sum(normlang_allows),
        first_disagreement="" if first is None else _describe(
            book, asked[first], normlang_answers[first].statuses[asked[first].qualified],
            cedar_allows[first], oracle[first]))


def _describe(book: Book, request: Request, status: str, cedar: bool, oracle: bool) -> str:
    """The request and the norms of its action, with what each engine said."""
    norms = [n for n in book.norms if n.qualified_action == request.qualified]
    read = sorted({a.fact.name for n in norms for a in n.when + n.unless})
    facts = ", ".join(f"{name}={request.situation[name]}" for name in read)
    applicable = [n.name for n in norms if n.applicable(request.situation)]
    return (f"{request.qualified} in {{{facts}}}: normlang {status}, cedar "
            f"{'allow' if cedar else 'deny'}, generator {'allow' if oracle else 'deny'}; "
            f"applicable norms {applicable}")


if __name__ == "__main__":
    for norms in (10, 100, 1000):
        print(compare(norms, 500))
