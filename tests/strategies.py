"""Hypothesis strategies for small random specs, built directly as `Spec` objects (no parser).

Every expectation and scenario expectation gets its own span line, so findings can be matched to
the construct they are about. `render` prints a spec in the surface syntax for failure messages.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from normlang.core.source import Span
from normlang.model.spec import (
    FALSE,
    TRUE,
    ActionDecl,
    ActionRef,
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    EnumConst,
    EnumType,
    Expectation,
    FactDecl,
    FactRef,
    Iff,
    Implies,
    Located,
    Neg,
    NormDecl,
    Not,
    Or,
    PriorityEdge,
    RExpr,
    Scenario,
    ScenarioExpectation,
    Spec,
    ValueDecl,
)

LAYERS = ("top", "middle", "bottom")
VALUES = ("v1", "v2", "v3")
ENUMS = {
    "Level": EnumType("Level", ("low", "mid", "high"), True, Span("random.norm", 0, 1, 1, 1, 1, 2)),
    "Color": EnumType("Color", ("red", "green"), False, Span("random.norm", 0, 1, 1, 1, 1, 2)),
}
# span lines: norms from 100, edges from 200, constraints 300, assumes 350, expectations from 400,
# scenarios from 500 (their expectations right after them)
NORM_LINE, EDGE_LINE, CONSTRAINT_LINE, ASSUME_LINE, EXPECT_LINE, SCENARIO_LINE = (
    100, 200, 300, 350, 400, 500)


def span(line: int) -> Span:
    return Span("random.norm", line * 100, line * 100 + 10, line, 1, line, 11)


# ---------------------------------------------------------------- conditions over facts


@st.composite
def fact_atoms(draw: st.DrawFn, facts: dict[str, FactDecl]) -> RExpr:
    name = draw(st.sampled_from(sorted(facts)))
    fact = facts[name]
    if fact.kind == "bool":
        return FactRef(name)
    if fact.kind == "enum":
        assert fact.enum is not None
        enum = ENUMS[fact.enum]
        ops = ["==", "!="] + (["<", "<=", ">", ">="] if enum.ordered else [])
        value = EnumConst(enum.name, draw(st.integers(0, len(enum.values) - 1)))
        return Cmp(draw(st.sampled_from(ops)), FactRef(name), value)
    left: RExpr = FactRef(name)
    if draw(st.integers(0, 5)) == 0:
        left = Arith("+", left, Const(draw(st.integers(-1, 1))))
    op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
    return Cmp(op, left, Const(draw(st.integers(0, 3))))


@st.composite
def conditions(draw: st.DrawFn, facts: dict[str, FactDecl]) -> RExpr:
    atoms = [draw(fact_atoms(facts)) for _ in range(draw(st.integers(1, 2)))]
    atoms = [Not(a) if draw(st.integers(0, 3)) == 0 else a for a in atoms]
    if len(atoms) == 1:
        return atoms[0]
    return draw(st.sampled_from([And(tuple(atoms)), Or(tuple(atoms)),
                                 Implies(atoms[0], atoms[1])]))


#: conditions that read no fact, as `assume`s and defines of constants are written (`assume
#: false`, `assume 1 > 2`, `define hot = false` then `assume hot`: defines are inlined); false
#: ones leave no situation at all, true ones change nothing
FACT_FREE = (FALSE, TRUE, Cmp(">", Const(1), Const(2)), Cmp("<=", Const(0), Const(3)),
             Not(TRUE), Cmp("==", Arith("+", Const(1), Const(1)), Const(3)))


@st.composite
def assume_exprs(draw: st.DrawFn, facts: dict[str, FactDecl]) -> tuple[RExpr, str | None]:
    """An `assume`'s condition, and the name of the define it stands for (None: written out).
    Now and then one reads no fact."""
    if draw(st.integers(0, 5)) > 0:
        return draw(conditions(facts)), None
    expr = draw(st.sampled_from(FACT_FREE))
    return expr, draw(st.sampled_from([None, "hot"]))


def optional(strategy: st.SearchStrategy[RExpr], absent: RExpr, weight: int = 1
             ) -> st.SearchStrategy[RExpr]:
    """`strategy`, or `absent` about `weight` times as often."""
    return st.one_of(*([st.just(absent)] * weight), strategy)


# ---------------------------------------------------------------- formulas over actions


@st.composite
def targets(draw: st.DrawFn, actions: list[str]) -> RExpr:
    """An action, or and/or/not over two of them (a norm's target or a deontic atom's)."""
    first: RExpr = ActionRef(draw(st.sampled_from(actions)))
    shape = draw(st.integers(0, 7))
    if shape <= 3 or len(actions) < 2:
        return first
    second: RExpr = ActionRef(draw(st.sampled_from([a for a in actions if a != first.name])))
    if shape == 4:
        return And((first, second))
    if shape == 5:
        return Or((first, second))
    if shape == 6:
        return And((first, Not(second)))
    return Not(Or((first, second)))


@st.composite
def expect_atoms(draw: st.DrawFn, facts: dict[str, FactDecl], actions: list[str]) -> RExpr:
    kind = draw(st.sampled_from(["obliged", "forbidden", "permitted", "obliged", "forbidden",
                                 "permitted", "conflict", "action", "fact"]))
    if kind == "conflict":
        return ConflictAtom()
    if kind == "action":
        return ActionRef(draw(st.sampled_from(actions)))
    if kind == "fact":
        return draw(fact_atoms(facts))
    return DeonticAtom(kind, draw(targets(actions)))  # type: ignore[arg-type]


@st.composite
def expect_formulas(draw: st.DrawFn, facts: dict[str, FactDecl], actions: list[str]) -> RExpr:
    atom = draw(expect_atoms(facts, actions))
    shape = draw(st.integers(0, 6))
    if shape <= 1:
        return atom
    if shape == 2:
        return Not(atom)
    other = draw(expect_atoms(facts, actions))
    if shape == 3:
        return Implies(draw(conditions(facts)), atom)
    if shape == 4:
        return And((atom, other))
    if shape == 5:
        return Or((atom, other))
    return draw(st.sampled_from([Implies(atom, other), Iff(atom, other)]))


# ---------------------------------------------------------------- declarations


@st.composite
def fact_decls(draw: st.DrawFn) -> dict[str, FactDecl]:
    kinds = draw(st.lists(st.sampled_from(["bool", "bool", "level", "color", "int"]),
                          min_size=1, max_size=4))
    facts = {}
    for index, kind in enumerate(kinds):
        name = f"f{index}"
        if kind == "bool":
            facts[name] = FactDecl(name, "bool", span(2))
        elif kind == "int":
            facts[name] = FactDecl(name, "int", span(2), low=0, high=draw(st.integers(1, 3)))
        else:
            facts[name] = FactDecl(name, "enum", span(2), enum="Level" if kind == "level"
                                   else "Color")
    return facts


@st.composite
def norm_decls(draw: st.DrawFn, facts: dict[str, FactDecl], actions: dict[str, ActionDecl],
               layers: tuple[str, ...]) -> list[NormDecl]:
    agents = sorted({a.agent for a in actions.values()})
    norms: list[NormDecl] = []
    for index in range(draw(st.integers(2, 12))):
        line = span(NORM_LINE + index)
        if norms and draw(st.integers(0, 5)) == 0:
            # a layer that contradicts itself (`complies with` must not pass vacuously), or a
            # lower layer stricter than a higher `may` (which does not defeat it unless protected)
            model = draw(st.sampled_from(norms))
            lower = min(model.rank + draw(st.integers(0, 1)), len(layers) - 1)
            opposite = "must" if model.modality == "must not" else "must not"
            norms.append(replace(model, name=f"n{index}", layer=layers[lower], rank=lower,
                                 modality=opposite, span=line, duty_span=line, protected=False))
            continue
        agent = draw(st.sampled_from(agents))
        own = sorted(name for name, a in actions.items() if a.agent == agent)
        rank = draw(st.integers(0, len(layers) - 1))
        modality = draw(st.sampled_from(["must", "must", "must not", "must not", "may"]))
        norms.append(NormDecl(
            name=f"n{index}", layer=layers[rank], rank=rank, modality=modality,  # type: ignore[arg-type]
            agent=agent, target=draw(targets(own)), span=line, duty_span=line,
            when=draw(optional(conditions(facts), TRUE)),
            unless=draw(optional(conditions(facts), FALSE, weight=3)),
            serves=tuple(draw(st.lists(st.sampled_from(VALUES), max_size=2, unique=True))),
            protected=modality == "may" and draw(st.booleans()),
        ))
    return norms


@st.composite
def override_edges(draw: st.DrawFn, facts: dict[str, FactDecl], names: list[str]
                   ) -> list[PriorityEdge]:
    """`overrides` edges, mostly conditional: two of them in opposite directions (or one against
    the layer order) cycle only where their conditions hold together."""
    edges: list[PriorityEdge] = []
    for _ in range(draw(st.integers(0, 3))):
        higher, lower = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        if edges and draw(st.integers(0, 3)) == 0:
            higher, lower = edges[-1].lower, edges[-1].higher
        if higher == lower:
            continue
        when = draw(optional(fact_atoms(facts), TRUE, weight=1))
        if when == TRUE and draw(st.integers(0, 2)) > 0:
            when = draw(fact_atoms(facts))  # static cycles stop checking early: keep them rare
        edges.append(PriorityEdge(higher, lower, when, "overrides",
                                  span(EDGE_LINE + len(edges))))
    return edges


@st.composite
def prefer_edges(draw: st.DrawFn, facts: dict[str, FactDecl], norms: list[NormDecl],
                 first_line: int) -> list[PriorityEdge]:
    """`prefer A over B [when C]`, expanded as designed: m ≻ n for m serving A and n serving B
    in the same layer."""
    edges = []
    for index in range(draw(st.integers(0, 2))):
        better, worse = draw(st.sampled_from(VALUES)), draw(st.sampled_from(VALUES))
        if better == worse:
            continue
        when = draw(optional(fact_atoms(facts), TRUE))
        line = span(first_line + index)
        edges += [PriorityEdge(m.name, n.name, when, "prefer", line)
                  for m in norms if better in m.serves
                  for n in norms if worse in n.serves and n.rank == m.rank and n is not m]
    return edges


@st.composite
def conduct_constraints(draw: st.DrawFn, facts: dict[str, FactDecl], actions: list[str]
                        ) -> list[Located]:
    out = []
    for index in range(draw(st.integers(0, 2))):
        first = ActionRef(draw(st.sampled_from(actions)))
        second = ActionRef(draw(st.sampled_from(actions)))
        formula: RExpr = draw(st.sampled_from([Not(And((first, second))), Implies(first, second),
                                               Or((first, second))]))
        if draw(st.booleans()):
            formula = Implies(draw(fact_atoms(facts)), formula)
        out.append(Located(formula, span(CONSTRAINT_LINE + index)))
    return out


@st.composite
def expectations(draw: st.DrawFn, facts: dict[str, FactDecl], actions: list[str],
                 layers: tuple[str, ...], agents: list[str]) -> list[Expectation]:
    out = []
    if draw(st.booleans()):
        out.append(Expectation("consistent", span(EXPECT_LINE), text="consistent"))
    for index in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["always", "never", "possible"]))
        out.append(Expectation(kind, span(EXPECT_LINE + 1 + index),
                               formula=draw(expect_formulas(facts, actions)), text=f"e{index}"))
    if len(layers) > 1:
        for index in range(draw(st.integers(0, 2))):
            lower, higher = draw(st.permutations(layers))[:2]
            chosen = tuple(draw(st.lists(st.sampled_from(agents), max_size=1)))
            out.append(Expectation("complies", span(EXPECT_LINE + 10 + index), lower=lower,
                                   higher=higher, agents=chosen, text=f"c{index}"))
    return out


@st.composite
def scenarios(draw: st.DrawFn, facts: dict[str, FactDecl], actions: list[str]
              ) -> list[Scenario]:
    out = []
    for index in range(draw(st.integers(0, 2))):
        line = SCENARIO_LINE + 10 * index
        expects = tuple(
            ScenarioExpectation(draw(expect_formulas(facts, actions)), span(line + 1 + k),
                                f"s{index}e{k}")
            for k in range(draw(st.integers(1, 2))))
        out.append(Scenario(f"s{index}", draw(conditions(facts)), expects, span(line)))
    return out


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    facts = draw(fact_decls())
    agents = ["a", "b"][:draw(st.integers(1, 2))]
    actions = {}
    for index in range(draw(st.integers(2, 6))):
        agent = agents[index % len(agents)]
        actions[f"{agent}.x{index}"] = ActionDecl(f"{agent}.x{index}", agent, span(3))
    action_names = sorted(actions)
    layers = LAYERS[:draw(st.integers(1, 3))]
    norms = draw(norm_decls(facts, actions, layers))
    edges = draw(override_edges(facts, [n.name for n in norms]))
    edges += draw(prefer_edges(facts, norms, EDGE_LINE + 10))
    assumes, defines = [], {}
    for index in range(draw(st.sampled_from([0, 0, 1, 2]))):
        expr, define = draw(assume_exprs(facts))
        if define is not None:  # a define of constants, inlined where the assume uses it
            defines[f"{define}{index}"] = expr
        assumes.append(Located(expr, span(ASSUME_LINE + index)))
    return Spec(
        "random.norm", layers, dict(ENUMS), facts, actions, tuple(norms), agents=tuple(agents),
        defines=defines, assumes=tuple(assumes),
        constraints=tuple(draw(conduct_constraints(facts, action_names))),
        edges=tuple(edges), values={v: ValueDecl(v, None, span(4)) for v in VALUES},
        expectations=tuple(draw(expectations(facts, action_names, layers, agents))),
        scenarios=tuple(draw(scenarios(facts, action_names))),
    )


@st.composite
def specs_with_situations(draw: st.DrawFn) -> tuple[Spec, int]:
    """A spec and an index into its situations (taken modulo their number)."""
    return draw(specs()), draw(st.integers(0, 10_000))


# ---------------------------------------------------------------- rendering


def show(expr: RExpr) -> str:
    """An expression in the surface syntax (fully parenthesised where it matters)."""
    if isinstance(expr, Const):
        return str(expr.value).lower() if isinstance(expr.value, bool) else str(expr.value)
    if isinstance(expr, (FactRef, ActionRef)):
        return expr.name
    if isinstance(expr, EnumConst):
        return ENUMS[expr.enum].values[expr.index] if expr.enum in ENUMS else f"#{expr.index}"
    if isinstance(expr, Not):
        return f"not {show(expr.operand)}"
    if isinstance(expr, Neg):
        return f"-{show(expr.operand)}"
    if isinstance(expr, (And, Or)):
        joiner = " and " if isinstance(expr, And) else " or "
        return "(" + joiner.join(show(i) for i in expr.items) + ")"
    if isinstance(expr, Implies):
        return f"({show(expr.left)} -> {show(expr.right)})"
    if isinstance(expr, Iff):
        return f"({show(expr.left)} <-> {show(expr.right)})"
    if isinstance(expr, (Cmp, Arith)):
        return f"{show(expr.left)} {expr.op} {show(expr.right)}"
    if isinstance(expr, DeonticAtom):
        return f"{expr.kind} {show(expr.target)}"
    if isinstance(expr, ConflictAtom):
        return "conflict"
    raise TypeError(expr)


def render(spec: Spec) -> str:
    """The spec as a person would write it (for failure messages and regression notes)."""
    lines = ["layers " + " > ".join(spec.layers)]
    for fact in spec.facts.values():
        kind = fact.enum if fact.kind == "enum" else (
            f"int in {fact.low}..{fact.high}" if fact.low is not None else fact.kind)
        lines.append(f"fact {fact.name}: {kind}")
    lines += [f"action {name}" for name in spec.actions]
    lines += [f"define {name} = {show(expr)}" for name, expr in spec.defines.items()]
    lines += [f"assume {show(a.expr)}" for a in spec.assumes]
    lines += [f"constraint {show(c.expr)}" for c in spec.constraints]
    for norm in spec.norms:
        head = f"norm {norm.name} @{norm.layer}" + (" protected" if norm.protected else "")
        if norm.serves:
            head += " serves " + ", ".join(norm.serves)
        if norm.when != TRUE:
            head += f" when {show(norm.when)}"
        if norm.unless != FALSE:
            head += f" unless {show(norm.unless)}"
        lines.append(f"{head} {norm.agent} {norm.modality} {show(norm.target)}")
    for edge in spec.edges:
        when = "" if edge.when == TRUE else f" when {show(edge.when)}"
        lines.append(f"# {edge.origin}: {edge.higher} over {edge.lower}{when}  (line "
                     f"{edge.span.line})")
    for e in spec.expectations:
        body = (f"{e.lower} complies with {e.higher}" + (f" for {', '.join(e.agents)}"
                                                         if e.agents else "")
                if e.kind == "complies" else e.kind if e.formula is None
                else f"{e.kind} {show(e.formula)}")
        lines.append(f"expect {body}  # line {e.span.line}")
    for s in spec.scenarios:
        lines.append(f"scenario {s.name} given {show(s.given)}  # line {s.span.line}")
        lines += [f"  expect {show(x.formula)}  # line {x.span.line}" for x in s.expects]
    return "\n".join(lines)


# ---------------------------------------------------------------- hand-written specs


def make_spec(facts: dict[str, object], actions: list[str], norms: list[NormDecl], *,
              layers: tuple[str, ...] = ("top",), assumes: tuple[RExpr, ...] = (),
              constraints: tuple[RExpr, ...] = (), edges: tuple[PriorityEdge, ...] = (),
              expectations: tuple[Expectation, ...] = (), scenarios: tuple[Scenario, ...] = (),
              ) -> Spec:
    """A readable way to write a spec in tests: facts as {"p": "bool", "c": "Color",
    "n": (0, 3)}, actions as "agent.name", norms from `norm` (ranks and lines filled in here)."""
    decls = {}
    for name, kind in facts.items():
        if isinstance(kind, tuple):
            decls[name] = FactDecl(name, "int", span(2), low=kind[0], high=kind[1])
        elif kind in ENUMS:
            decls[name] = FactDecl(name, "enum", span(2), enum=str(kind))
        else:
            decls[name] = FactDecl(name, "bool", span(2))
    agents = tuple(dict.fromkeys(a.split(".")[0] for a in actions))
    ranked = tuple(
        replace(n, rank=layers.index(n.layer), span=span(NORM_LINE + i),
                duty_span=span(NORM_LINE + i)) for i, n in enumerate(norms))
    return Spec("random.norm", layers, dict(ENUMS), decls,
                {a: ActionDecl(a, a.split(".")[0], span(3)) for a in actions}, ranked,
                agents=agents, assumes=tuple(Located(a, span(ASSUME_LINE)) for a in assumes),
                constraints=tuple(Located(c, span(CONSTRAINT_LINE)) for c in constraints),
                edges=edges, values={v: ValueDecl(v, None, span(4)) for v in VALUES},
                expectations=expectations, scenarios=scenarios)


def norm(name: str, modality: str, target: RExpr, *, layer: str = "top", when: RExpr = TRUE,
         unless: RExpr = FALSE, serves: tuple[str, ...] = (), protected: bool = False) -> NormDecl:
    """A norm whose agent is the one of its target's first action (rank set by `make_spec`)."""
    agent = _first_action(target).split(".")[0]
    return NormDecl(name, layer, 0, modality, agent, target, span(0), span(0),  # type: ignore[arg-type]
                    when, unless, serves=serves, protected=protected)


def overrides(higher: str, lower: str, when: RExpr = TRUE, line: int = EDGE_LINE) -> PriorityEdge:
    return PriorityEdge(higher, lower, when, "overrides", span(line))


def expect(kind: str, formula: RExpr | None = None, line: int = EXPECT_LINE, **more: object
           ) -> Expectation:
    return Expectation(kind, span(line), formula=formula, text=f"line {line}", **more)  # type: ignore[arg-type]


def scenario(given: RExpr, *formulas: RExpr, line: int = SCENARIO_LINE) -> Scenario:
    expects = tuple(ScenarioExpectation(f, span(line + 1 + i), f"line {line + 1 + i}")
                    for i, f in enumerate(formulas))
    return Scenario(f"s{line}", given, expects, span(line))


def _first_action(expr: RExpr) -> str:
    if isinstance(expr, ActionRef):
        return expr.name
    for child in (getattr(expr, "operand", None), *getattr(expr, "items", ()),
                  getattr(expr, "left", None), getattr(expr, "right", None)):
        if child is not None:
            try:
                return _first_action(child)
            except ValueError:
                continue
    raise ValueError("no action in the target")
