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

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from ..core.findings import Finding
from ..core.source import SourceFile, Span
from . import ast
from .ast import any_of
from .sleec_terms import (
    AGENT_NAMES,
    RESERVED,
    Refused,
    Terms,
    event_of,
    event_token,
    is_tree,
    parts,
)

if TYPE_CHECKING:
    import lark


@dataclass(frozen=True)
class Duty:
    """A response read as a duty: what `norm`, `otherwise` and `unless ... then` share."""

    modality: ast.Modality
    target: ast.Expr
    window: ast.Window | None
    otherwise: tuple[ast.Otherwise, ...]
    span: Span


class Reading(Terms):
    """The shared part of a reading; `file` lowers a whole parsed file."""

    #: whether measures are varying facts (they change at event occurrences)
    varying = True

    def __init__(self, source: SourceFile) -> None:
        super().__init__(source)
        self.rule_names: set[str] = set()

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

        if str(name) in KEYWORDS or str(name) in RESERVED:
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

    # ------------------------------------------------------------ rules

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

    # ------------------------------------------------------------ concerns and purposes

    def expectation(self, node: lark.Tree[Any], what: str) -> list[ast.Decl]:
        """A concern (`what` = "concern") or a purpose, as an expectation."""
        raise NotImplementedError

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
