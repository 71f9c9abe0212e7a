"""The instant reading of a SLEEC file without time (docs/sleec.md, "files without time").

A file with no `within`, `eventually`, `otherwise`, `happenBefore`, `until` or `for`
demands every response at its trigger's instant, and every instant is alike: what
happens at one (which events occur, the measures' values, what the agent does there)
never reaches another. Such a file is read at one instant, in the language without
time: an event no rule demands is a fact (`true`: it occurs now), a measure a fact, a
rule `R when E and p then r` the norm `R when E and p`, a rule triggered by the agent's
own action A demands `A -> r`, and each `unless C then r2` clause is a norm of its own
(`R_unless2`), due when C holds and no later clause's condition does. A concern is
`expect never E and p and permitted (r)`: no situation where E occurs with p lets a
conduct that keeps every rule do r; a purpose is the same with `expect possible`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from . import ast
from .sleec_base import Reading

if TYPE_CHECKING:
    import lark

    from ..core.source import Span

#: what makes a file need time: then the timed reading (`sleec_lower`) reads it
TIMED_NODES = frozenset({"within", "within_interval", "eventually", "alternative",
                         "until_relation", "for_relation"})


def uses_time(tree: lark.Tree[Any]) -> bool:
    """Whether a parsed SLEEC file uses time (a window, `otherwise`, a time relation)."""
    for node in tree.iter_subtrees():
        if node.data in TIMED_NODES:
            return True
        if node.data == "event_rel" and str(node.children[0]) == "happenBefore":
            return True
    return False


class InstantReading(Reading):
    """Rules read at one instant, as norms of the language without time."""

    varying = False

    def event(self, name: ast.Ident, span: Span) -> ast.Decl:
        return ast.Fact(name, ast.TypeRef("bool", span=span), span)

    def one_norm(self, name: ast.Ident, event: Any, when: ast.Expr | None,
                 unless: ast.Expr | None, response: tuple[Any, Any, Any],
                 node: lark.Tree[Any]) -> ast.Decl:
        duty = self.duty(*response)
        trigger = self.event_expr(event)
        modality, target = duty.modality, duty.target
        if isinstance(trigger, ast.Dotted):  # the agent's own action A: `A -> r`
            action = ast.Name(trigger.action, trigger.span)
            if modality == "must not":
                target = ast.Binary("and", action, target, duty.span)
            else:
                target = ast.Binary("->", action, target, duty.span)
        else:
            when = trigger if when is None else ast.Binary("and", trigger, when, when.span)
        return ast.Norm(name, None, None, (), (), when, unless,
                        ast.Ident(self.names.agent, duty.span), modality, target,
                        span=self.span(node), duty_span=duty.span)

    def expectation(self, node: lark.Tree[Any], what: str) -> list[ast.Decl]:
        quantifier: Literal["never", "possible"] = "never" if what == "concern" else "possible"
        event, condition, responses = self.pattern(node)
        trigger = self.event_expr(event)
        done = [formula for formula, _, _ in responses]
        if isinstance(trigger, ast.Dotted):
            done.insert(0, trigger)
        situation = [c for c in (trigger if not isinstance(trigger, ast.Dotted) else None,
                                 condition) if c is not None]
        span = self.span(node)
        if done:
            conduct: ast.Expr = ast.Deontic("permitted", _all(done), span)
        else:  # `exists E and C`: some situation with E and C, where the rules can be kept
            conduct = ast.Unary("not", ast.ConflictAtom(span), span)
        formula = _all([*situation, conduct])
        return [ast.Expect(ast.ExpectFormula(quantifier, formula, span), span)]


def _all(formulas: list[ast.Expr]) -> ast.Expr:
    result = formulas[0]
    for formula in formulas[1:]:
        result = ast.Binary("and", result, formula, result.span)
    return result
