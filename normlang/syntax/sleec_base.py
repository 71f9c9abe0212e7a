"""What both readings of a SLEEC file share (docs/sleec.md): names, definitions,
conditions, occurrences and relations, and the refusal of what has no faithful meaning.

One agent (`system`) does everything a rule demands: an event that some rule's response
names becomes that agent's action. Constants become defines, relations assumes (or
constraints, where they name actions). `sleec_lower.TimedReading` reads rules as
triggered norms; `sleec_instant.InstantReading` reads a file without time at one instant.
A construct without a faithful meaning is refused with an error that names its rule;
nothing is approximated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from ..core.findings import Finding, Label
from ..core.source import SourceFile, Span
from . import ast
from .limits import MAX_NUMBER_DIGITS, number_too_long

if TYPE_CHECKING:
    import lark

#: the name of the one agent, or the next one if a SLEEC name takes it
AGENT_NAMES = ("system", "sleec_system", "sleec_agent")
_UNITS: dict[str, ast.TimeUnit] = {"seconds": "s", "minutes": "min", "hours": "h",
                                   "days": "days"}
_COMPARISONS: dict[str, ast.BinaryOp] = {"=": "==", "<>": "!=", "<": "<", "<=": "<=",
                                         ">": ">", ">=": ">="}
#: words that would not read back as names in the `.norm` that `convert` writes
_RESERVED = frozenset({"start", "event", "varying"})


class Refused(Exception):
    """A construct that cannot be read: carried to the declaration it is in."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class Names:
    """What the definitions declare."""

    events: dict[str, Span] = field(default_factory=dict)
    #: events that some rule demands: the agent's actions
    actions: set[str] = field(default_factory=set)
    #: measure -> "boolean" | "numeric" | "scale"
    measures: dict[str, str] = field(default_factory=dict)
    #: scale value -> the scale measures that have it
    scale_values: dict[str, set[str]] = field(default_factory=dict)
    constants: set[str] = field(default_factory=set)
    agent: str = AGENT_NAMES[0]
    #: where the file compares a scale with a number or another scale's value: then every
    #: scale is read by position (`int in 0..n-1`, a define per value), as SLEEC reads it
    positional: Any = None
    #: scale values already defined (positional reading)
    defined_values: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Duty:
    """A response read as a duty: what `norm`, `otherwise` and `unless ... then` share."""

    modality: ast.Modality
    target: ast.Expr
    window: ast.Window | None
    otherwise: tuple[ast.Otherwise, ...]
    span: Span


class Reading:
    """The shared part of a reading; `file` lowers a whole parsed file."""

    #: whether measures are varying facts (they change at event occurrences)
    varying = True

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.names = Names()
        self.findings: list[Finding] = []
        #: " (rule `R`)", " (concern `c`)" or " (purpose `p`)" while one is read, for messages
        self.rule = ""
        self.rule_names: set[str] = set()

    # ------------------------------------------------------------ helpers

    def span(self, item: Any) -> Span:
        """The span of a token or a tree (the whole of its text)."""
        if hasattr(item, "start_pos"):
            return self.source.span(item.start_pos or 0, item.end_pos or 0)
        meta = getattr(item, "meta", None)
        if meta is None or meta.empty:
            return self.source.span(0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    def finding(self, item: Any, message: str, *help_lines: str,
                kind: str = "syntax-error") -> Finding:
        """A finding at `item`, naming the rule, concern or purpose being read."""
        span = self.span(item)
        return Finding(kind, f"{message}{self.rule}", span, (Label(span, primary=True),),
                       help=help_lines)

    def refuse(self, item: Any, message: str, *help_lines: str,
               kind: str = "syntax-error") -> NoReturn:
        raise Refused(self.finding(item, message, *help_lines, kind=kind))

    def ident(self, token: Any) -> ast.Ident:
        return ast.Ident(str(token), self.span(token))

    def unknown(self, token: Any, what: str, known: Iterable[str]) -> NoReturn:
        from ..core.suggest import closest

        close = closest(str(token), list(known))
        hint = (f"did you mean `{close}`?",) if close else ()
        self.refuse(token, f"unknown {what} `{token}`", *hint, kind="name-error")

    # ------------------------------------------------------------ the file

    def file(self, tree: lark.Tree[Any]) -> tuple[ast.File | None, list[Finding]]:
        definitions = [c for c in tree.children if c.data in ("event", "measure", "constant")]
        blocks = {c.data: c for c in tree.children if c.data.endswith("_block")}
        self.declare(definitions)
        self.names.positional = self.mixed_scales(tree)
        self.rule_names = {str(rule.children[0]) for rule in blocks["rule_block"].children}
        demanded = {event_of(o) for o in blocks["rule_block"].find_data("occurrence")}
        self.names.actions = demanded & set(self.names.events)
        taken = set(self.names.events) | set(self.names.measures) | self.names.constants
        self.names.agent = next((a for a in AGENT_NAMES if a not in taken), AGENT_NAMES[-1])
        decls: list[ast.Decl] = [ast.Agent(ast.Ident(self.names.agent, self.span(tree)),
                                           self.span(tree))]
        for definition in definitions:
            decls.extend(self.guarded(self.definition, definition))
        for rule in blocks["rule_block"].children:
            decls.extend(self.guarded(self.norm, rule))
        for block, what in (("concern_block", "concern"), ("purpose_block", "purpose")):
            if block in blocks:
                for pattern in blocks[block].children:
                    decls.extend(self.guarded(self.expectation, pattern, what))
        if "relation_block" in blocks:
            for relation in blocks["relation_block"].children:
                decls.extend(self.guarded(self.relation, relation))
        if self.findings:
            return None, sorted(self.findings, key=Finding.sort_key)
        return ast.File(self.source.path, tuple(decls), self.span(tree)), []

    def guarded(self, lower: Any, node: Any, *args: Any) -> list[ast.Decl]:
        """`lower(node)`'s declarations, or none and its refusal kept as a finding."""
        self.rule = ""
        if node.data in ("rule", "pattern"):
            what = "rule" if node.data == "rule" else args[0]
            self.rule = f" ({what} `{node.children[0]}`)"
        try:
            result = lower(node, *args)
        except Refused as refused:
            self.findings.append(refused.finding)
            return []
        finally:
            self.rule = ""
        return result if isinstance(result, list) else [result]

    # ------------------------------------------------------------ definitions

    def declare(self, definitions: list[lark.Tree[Any]]) -> None:
        seen: dict[str, Span] = {}
        for definition in definitions:
            name = definition.children[0]
            if str(name) in seen:
                self.findings.append(self.finding(
                    name, f"`{name}` is declared twice (first at {seen[str(name)]})",
                    kind="name-error"))
                continue
            seen[str(name)] = self.span(name)
            try:
                self.check_name(name)
            except Refused as refused:  # still declared: its uses are not unknown names
                self.findings.append(refused.finding)
            if definition.data == "event":
                self.names.events[str(name)] = self.span(name)
            elif definition.data == "constant":
                self.names.constants.add(str(name))
            else:
                kind = definition.children[1].data
                self.names.measures[str(name)] = kind.removeprefix("t_")
                if kind == "t_scale":
                    for value in definition.children[1].children:
                        self.names.scale_values.setdefault(str(value), set()).add(str(name))

    def check_name(self, name: Any) -> None:
        from .grammar import KEYWORDS

        if str(name) in KEYWORDS or str(name) in _RESERVED:
            self.refuse(name, f"`{name}` is a word of normlang and cannot be a name here",
                        "rename it in the SLEEC file")

    def definition(self, node: lark.Tree[Any]) -> list[ast.Decl]:
        name = self.ident(node.children[0])
        span = self.span(node)
        if node.data == "event":
            if name.name in self.names.actions:
                return [ast.Action(ast.Ident(self.names.agent, name.span), name, span)]
            return [self.event(name, span)]
        if node.data == "constant":
            return [ast.Define(name, self.number(node.children[1]), span)]
        measure_type = node.children[1]
        if measure_type.data == "t_scale" and self.names.positional is not None:
            return self.positional_scale(name, measure_type, span)
        if measure_type.data == "t_scale":
            for value in measure_type.children:
                self.check_name(value)
            enum_name = self.fresh(f"{name.name}_scale")
            enum = ast.Enum(ast.Ident(enum_name, self.span(measure_type)),
                            tuple(self.ident(v) for v in measure_type.children), True,
                            self.span(measure_type))
            type_ref = ast.TypeRef("enum", enum_name, span=self.span(measure_type))
            return [enum, ast.Fact(name, type_ref, span, varying=self.varying)]
        kind: Literal["bool", "int"] = "bool" if measure_type.data == "t_boolean" else "int"
        return [ast.Fact(name, ast.TypeRef(kind, span=self.span(measure_type)), span,
                         varying=self.varying)]

    def event(self, name: ast.Ident, span: Span) -> ast.Decl:
        """An event no rule demands."""
        return ast.Event(name, span)

    def mixed_scales(self, tree: lark.Tree[Any]) -> Any:
        """The first comparison or sum that mixes a scale with a number or with another
        scale (SLEEC compares scales by their values' positions), or None."""
        for node in tree.iter_subtrees():  # any order: the first found is shown
            if node.data == "arithmetic" and any(
                    self.scales_of(side) != {"#"} for side in node.children[::2]):
                return node
            if node.data == "comparison":
                left, right = (self.scales_of(side) for side in node.children[::2])
                if not left & right:
                    return node
        return None

    def scales_of(self, node: Any) -> set[str]:
        """The scale measures whose values `node` may stand for; {"#"} for a number."""
        bare_measure = (is_tree(node) and node.data == "bare_name"
                        and str(node.children[0]) in self.names.measures)
        if is_tree(node) and (node.data == "measure_ref" or bare_measure):
            name = str(node.children[0])
            return {name} if self.names.measures.get(name) == "scale" else {"#"}
        if is_tree(node) and node.data == "bare_name":
            return self.names.scale_values.get(str(node.children[0]), {"#"})
        return {"#"}

    def positional_scale(self, name: ast.Ident, measure_type: lark.Tree[Any],
                         span: Span) -> list[ast.Decl]:
        """A scale read by position: `int in 0..n-1`, and a define for each value."""
        values = measure_type.children
        type_ref = ast.TypeRef("int", low=0, high=len(values) - 1, span=self.span(measure_type))
        decls: list[ast.Decl] = [ast.Fact(name, type_ref, span, varying=self.varying)]
        for position, value in enumerate(values):
            self.check_name(value)
            known = self.names.defined_values.get(str(value))
            if known is None:
                self.names.defined_values[str(value)] = position
                number = ast.NumLit(Fraction(position), True, str(position), self.span(value))
                decls.append(ast.Define(self.ident(value), number, self.span(value)))
            elif known != position:
                self.refuse(value, f"scale value `{value}` stands at two positions ({known} "
                                   f"and {position})",
                            "this file compares scales with numbers or with each other "
                            f"(at {self.span(self.names.positional)}), so SLEEC reads scale "
                            "values by position; give the values distinct names")
        return decls

    def fresh(self, name: str) -> str:
        taken = (set(self.names.events) | set(self.names.measures) | self.names.constants
                 | set(self.names.scale_values))
        candidate, counter = name, 1
        while candidate in taken:
            counter += 1
            candidate = f"{name}{counter}"
        return candidate

    # ------------------------------------------------------------ what each reading says

    def norm(self, node: lark.Tree[Any]) -> list[ast.Decl]:
        """A rule's norms: its main response, and one norm per `unless ... then` clause.

        SLEEC reads the clauses from the last: a clause's response is due when its
        condition holds and no later clause's does (one without `then` demands nothing);
        the main response when no clause's condition holds. Each clause is a norm of its
        own (`R_unless2` for the second clause), with the rule's trigger and condition.
        """
        name, event, *rest = node.children
        response = rest[-1]
        condition = self.boolean(rest[0].children[0]) if len(rest) == 2 else None
        occurrence, alternative, choice, defeaters = parts(response)
        conditions = [self.boolean(d.children[0]) for d in defeaters]
        norms = [self.one_norm(self.ident(name), event, condition,
                               any_of(conditions) if conditions else None,
                               (occurrence, alternative, choice), node)]
        for index, defeater in enumerate(defeaters):
            if len(defeater.children) == 1:
                continue
            inner_occurrence, inner_alternative, inner_choice, nested = parts(
                defeater.children[1])
            if nested:
                self.refuse(nested[0], "`unless` inside the response of an `unless ... then` "
                                       "is not supported",
                            "write the nested case as its own `unless` clause of the rule")
            when = conditions[index]
            if conditions[index + 1:]:
                when = ast.Binary("and", when, ast.Unary(
                    "not", any_of(conditions[index + 1:]), when.span), when.span)
            if condition is not None:
                when = ast.Binary("and", condition, when, when.span)
            branch = ast.Ident(self.branch_name(str(name), index + 1), self.span(defeater))
            norms.append(self.one_norm(branch, event, when, None, (
                inner_occurrence, inner_alternative, inner_choice), defeater))
        return norms

    def branch_name(self, rule: str, index: int) -> str:
        """`R_unless2` for the second clause of `R` (a name no rule has)."""
        name, counter = f"{rule}_unless{index}", 1
        while name in self.rule_names:
            counter += 1
            name = f"{rule}_unless{index}_{counter}"
        self.rule_names.add(name)
        return name

    def one_norm(self, name: ast.Ident, event: Any, when: ast.Expr | None,
                 unless: ast.Expr | None, response: tuple[Any, Any, Any],
                 node: lark.Tree[Any]) -> ast.Decl:
        """The norm of one response (occurrence, `otherwise`, `else`) of a rule."""
        raise NotImplementedError

    def expectation(self, node: lark.Tree[Any], what: str) -> list[ast.Decl]:
        """A concern (`what` = "concern") or a purpose, as an expectation."""
        raise NotImplementedError

    def otherwise(self, inner: lark.Tree[Any]) -> tuple[ast.Otherwise, ...]:
        """The chain of duties an `otherwise` starts."""
        raise NotImplementedError

    # ------------------------------------------------------------ responses

    def duty(self, occurrence: lark.Tree[Any], alternative: lark.Tree[Any] | None,
             choice: lark.Tree[Any] | None) -> Duty:
        """An occurrence with what follows it (`otherwise`, `else`) as one duty."""
        negated, event, window = self.occurrence(occurrence)
        self.demandable(event)
        target: ast.Expr = ast.Name(str(event), self.span(event))
        modality: ast.Modality = "must not" if negated else "must"
        span = self.span(occurrence)
        if choice is not None:
            if alternative is not None:
                self.refuse(choice, "`else` after `otherwise` is not supported",
                            "write the two responses as two rules")
            target = self.choice(occurrence, negated, target, window, choice)
            modality = "must"
            span = self.source.span(span.start, self.span(choice).end)
        chain: tuple[ast.Otherwise, ...] = ()
        if alternative is not None:
            if window is not None and window.kind == "eventually":
                self.refuse(alternative, "`otherwise` after `eventually` is not supported",
                            "an eventual response is never violated at a moment, so no "
                            "duty can follow its violation; give it a deadline (`within`)")
            chain = self.otherwise(alternative.children[0])
        return Duty(modality, target, window, chain, span)

    def choice(self, occurrence: lark.Tree[Any], negated: bool, target: ast.Expr,
               window: ast.Window | None, choice: lark.Tree[Any]) -> ast.Expr:
        """`A else B`, both at the trigger's instant: `must (A or B)`."""
        other, other_alternative, other_choice, other_defeaters = parts(choice.children[0])
        other_negated, other_event, other_window = self.occurrence(other)
        self.demandable(other_event)
        if window is not None or other_window is not None:
            self.refuse(choice, "`else` between responses with a time limit is not supported",
                        "normlang reads `A else B` only when both are due at the trigger's "
                        "instant, as `must (A or B)`")
        if other_alternative is not None or other_choice is not None or other_defeaters:
            self.refuse(choice, "`else` with a response that has `otherwise`, `else` or "
                                "`unless` is not supported")
        left: ast.Expr = target
        if negated:
            left = ast.Unary("not", target, self.span(occurrence))
        right: ast.Expr = ast.Name(str(other_event), self.span(other_event))
        if other_negated:
            right = ast.Unary("not", right, self.span(other))
        return ast.Binary("or", left, right, self.source.span(self.span(occurrence).start,
                                                              self.span(choice).end))

    def occurrence(self, node: lark.Tree[Any]) -> tuple[bool, Any, ast.Window | None]:
        """`[not] E [within ...] [eventually]`: whether negated, E's token, the window."""
        negated = node.children[0].data == "negated" if is_tree(node.children[0]) else False
        event = event_token(node)
        windows = [c for c in node.children if is_tree(c) and c.data in
                   ("within", "within_interval")]
        eventually = [c for c in node.children if is_tree(c) and c.data == "eventually"]
        if windows and eventually:
            self.refuse(node, "`within` and `eventually` together are not supported",
                        "keep one: `eventually` means no deadline")
        if str(event) not in self.names.events:
            self.unknown(event, "event", self.names.events)
        window = None
        if windows:
            window = self.window(windows[0])
        elif eventually:
            window = ast.Window("eventually", span=self.span(eventually[0]))
        return negated, event, window

    def demandable(self, event: Any) -> None:
        # INVARIANT: every event a rule's response names is an action (see `file`)
        assert str(event) in self.names.actions

    def window(self, node: lark.Tree[Any]) -> ast.Window:
        if node.data == "within":
            return ast.Window("within", high=self.duration(node.children[0]),
                              span=self.span(node))
        low, high = (self.duration(c) for c in node.children)
        return ast.Window("between", low=low, high=high, span=self.span(node))

    def duration(self, node: lark.Tree[Any]) -> ast.Duration:
        amount, unit = node.children
        return ast.Duration(self.number(amount), _UNITS[str(unit.children[0])],
                            self.span(node))

    def trigger(self, token: Any) -> ast.Trigger:
        name = str(token)
        if name not in self.names.events:
            self.unknown(token, "event", self.names.events)
        if name in self.names.actions:
            return ast.Trigger("action", name, self.names.agent, self.span(token))
        return ast.Trigger("event", name, span=self.span(token))

    def event_expr(self, token: Any) -> ast.Expr:
        """An event as a formula: the agent's action, or the event itself."""
        name = str(token)
        if name not in self.names.events:
            self.unknown(token, "event", self.names.events)
        if name in self.names.actions:
            return ast.Dotted(self.names.agent, name, self.span(token))
        return ast.Name(name, self.span(token))

    # ------------------------------------------------------------ concerns and purposes

    def pattern(self, node: lark.Tree[Any]) -> tuple[Any, ast.Expr | None,
                                                     list[tuple[ast.Expr, ast.Window | None,
                                                                Span]]]:
        """A concern's or purpose's trigger token, condition, and responses (formula,
        window, span), in order."""
        headless = node.children[1]
        event, *rest = headless.children
        condition = None
        responses: list[tuple[ast.Expr, ast.Window | None, Span]] = []
        for part in rest:
            if part.data == "condition":
                condition = self.boolean(part.children[0])
            elif part.data == "meanwhile":
                self.refuse(part, "`meanwhile` is not supported",
                            "normlang's expectations have one trigger; write the second "
                            "pattern as its own concern or purpose")
            else:
                responses.extend(self.response(r) for r in part.children[0].children)
        return event, condition, responses

    def response(self, node: lark.Tree[Any]) -> tuple[ast.Expr, ast.Window | None, Span]:
        """One response of a concern or purpose: `[not] E [W]` as (formula, window, span)."""
        occurrence, alternative, choice, defeaters = parts(node)
        extra = alternative or choice or (defeaters[0] if defeaters else None)
        if extra is not None:
            word = {"alternative": "otherwise", "choice": "else"}.get(extra.data, "unless")
            self.refuse(extra, f"`{word}` is not supported in a concern or purpose",
                        "a concern or purpose says what happens, not what is due: write "
                        "its responses as occurrences, `[not] E [within D]`")
        negated, event, window = self.occurrence(occurrence)
        formula = self.event_expr(event)
        if negated:
            formula = ast.Unary("not", formula, self.span(occurrence))
        return formula, window, self.span(node)

    # ------------------------------------------------------------ relations

    def relation(self, node: lark.Tree[Any]) -> ast.Decl:
        span = self.span(node)
        if node.data == "event_relation":
            word, first, second = str(node.children[0].children[0]), *node.children[1:]
            if word == "happenBefore":
                return ast.AssumeBefore(self.trigger(first), self.trigger(second), span)
            a, b = self.event_expr(first), self.event_expr(second)
            formula = _relation_formula(word, a, b, span)
            return self.assumed(formula, (a, b), span)
        if node.data == "measure_relation":
            word = str(node.children[0].children[0])
            a, b = (self.boolean(c) for c in node.children[1:])
            return ast.Assume(_relation_formula(word, a, b, span), span)
        if node.data == "measure_invariant":
            return ast.Assume(self.boolean(node.children[0]), span)
        if node.data == "effect_relation":
            return self.effect(node, span)
        return self.assume_on(node, span)

    def effect(self, node: lark.Tree[Any], span: Span) -> ast.Decl:
        word, event, condition = str(node.children[0].children[0]), *node.children[1:]
        occurs, holds = self.event_expr(event), self.boolean(condition)
        formula: ast.Expr
        if word == "causation":
            formula = ast.Binary("->", holds, occurs, span)
        elif word == "includes":
            formula = ast.Binary("->", occurs, holds, span)
        else:
            formula = ast.Binary("->", occurs, ast.Unary("not", holds, holds.span), span)
        return self.assumed(formula, (occurs,), span)

    def assumed(self, formula: ast.Expr, sides: tuple[ast.Expr, ...], span: Span) -> ast.Decl:
        """An assume, or a constraint when it speaks of the agent's actions."""
        if any(isinstance(side, ast.Dotted) for side in sides):
            return ast.Constraint(formula, span)
        return ast.Assume(formula, span)

    def assume_on(self, node: lark.Tree[Any], span: Span) -> ast.Decl:
        event, *rest = node.children
        when = None
        then: ast.Expr | None = None
        until: ast.Trigger | None = None
        for_: ast.Duration | None = None
        for part in rest:
            if is_tree(part) and part.data == "condition":
                when = self.boolean(part.children[0])
            elif is_tree(part) and part.data == "end_condition":
                self.refuse(part, "a condition on the end of `until` is not supported",
                            "normlang's `assume on E then P until E2` ends at any E2")
            elif is_tree(part) and part.data == "time_value":
                for_ = self.duration(part)
            elif then is None:
                then = self.boolean(part)
            else:
                until = self.trigger(part)
        assert then is not None  # INVARIANT: the grammar requires `then`
        if until is None and for_ is None:
            self.refuse(node, "`when E then P` without `until` or `for` is not supported",
                        "say how long P holds: `until E2` or `for D`")
        return ast.AssumeOn(self.trigger(event), when, then, for_, until, span)

    # ------------------------------------------------------------ conditions

    def boolean(self, node: Any) -> ast.Expr:
        span = self.span(node)
        kind = node.data
        if kind == "measure_ref":
            return self.measure(node)
        if kind in ("true", "false"):
            return ast.BoolLit(kind == "true", span)
        if kind == "negation":
            return ast.Unary("not", self.boolean(node.children[0]), span)
        if kind == "connective":
            left, op, right = node.children
            return ast.Binary(str(op.children[0]), self.boolean(left),  # type: ignore[arg-type]
                              self.boolean(right), span)
        left, op, right = node.children
        return ast.Binary(_COMPARISONS[str(op.children[0])], self.number(left),
                          self.number(right), span)

    def number(self, node: Any) -> ast.Expr:
        span = self.span(node)
        if not is_tree(node) or node.data == "int_value":  # a constant's INT, or one in a term
            token = node if not is_tree(node) else node.children[0]
            if number_too_long(str(token)):
                self.refuse(token, f"number out of range: at most {MAX_NUMBER_DIGITS} digits")
            return ast.NumLit(Fraction(int(str(token))), True, str(token), span)
        kind = node.data
        if kind == "measure_ref":
            return self.measure(node)
        if kind == "bare_name" and str(node.children[0]) in self.names.measures:
            # a measure without braces: N-Check reads it as the measure, and so does this
            return ast.Name(str(node.children[0]), span)
        if kind in ("constant_alias", "bare_name"):
            name = node.children[0]
            known = self.names.constants | (set(self.names.scale_values)
                                            if kind == "bare_name" else set())
            if str(name) not in known:
                self.unknown(name, "constant" if kind == "constant_alias" else "name", known)
            return ast.Name(str(name), span)
        left, op, right = node.children
        return ast.Binary(str(op.children[0]), self.number(left),  # type: ignore[arg-type]
                          self.number(right), span)

    def measure(self, node: lark.Tree[Any]) -> ast.Expr:
        name = node.children[0]
        if str(name) not in self.names.measures:
            self.unknown(name, "measure", self.names.measures)
        return ast.Name(str(name), self.span(node))


# ---------------------------------------------------------------- small pieces


def is_tree(item: Any) -> bool:
    return hasattr(item, "data")


def event_token(occurrence: lark.Tree[Any]) -> Any:
    return next(c for c in occurrence.children if not is_tree(c))


def event_of(occurrence: lark.Tree[Any]) -> str:
    return str(event_token(occurrence))


def parts(node: lark.Tree[Any]) -> tuple[lark.Tree[Any], lark.Tree[Any] | None,
                                          lark.Tree[Any] | None, list[lark.Tree[Any]]]:
    """A response's occurrence, `otherwise`, `else` and `unless` clauses."""
    by_kind: dict[str, list[lark.Tree[Any]]] = {}
    for child in node.children:
        by_kind.setdefault(child.data, []).append(child)
    alternative = by_kind.get("alternative", [None])[0]
    choice = by_kind.get("choice", [None])[0]
    return by_kind["occurrence"][0], alternative, choice, by_kind.get("defeater", [])


def any_of(conditions: list[ast.Expr]) -> ast.Expr:
    """`c1 or c2 or ...`, folded to the left as the parser does."""
    result = conditions[0]
    for condition in conditions[1:]:
        result = ast.Binary("or", result, condition, result.span)
    return result


def _relation_formula(word: str, a: ast.Expr, b: ast.Expr, span: Span) -> ast.Expr:
    """SLEEC's relations between two events or two conditions, as one formula."""
    if word in ("witness", "imply"):
        return ast.Binary("->", a, b, span)
    if word in ("equal", "iff"):
        return ast.Binary("<->", a, b, span)
    if word == "mutualExclusive":
        return ast.Unary("not", ast.Binary("and", a, b, span), span)
    # `opposite`
    return ast.Binary("<->", a, ast.Unary("not", b, b.span), span)
