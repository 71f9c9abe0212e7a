"""The timed reading of a SLEEC file (docs/sleec.md): rules as norms triggered by their
event or the agent's action (`on E`, `on system.A`), with their windows and `otherwise`
chains; concerns and purposes as timed expectations. Events no rule demands stay events
and measures are varying facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from . import ast
from .ast import any_of
from .sleec_base import Reading
from .sleec_terms import parts

if TYPE_CHECKING:
    import lark


class TimedReading(Reading):
    """Rules read as triggered norms (the reading of a file that uses time)."""

    def one_norm(self, name: ast.Ident, event: Any, when: ast.Expr | None,
                 unless: ast.Expr | None, response: tuple[Any, Any, Any],
                 node: lark.Tree[Any]) -> ast.Decl:
        duty = self.duty(*response)
        return ast.Norm(
            name, None, None, (), (), when, unless, ast.Ident(self.names.agent, duty.span),
            duty.modality, duty.target, span=self.span(node), duty_span=duty.span,
            trigger=self.trigger(event), window=duty.window, otherwise=duty.otherwise)

    def otherwise(self, inner: lark.Tree[Any]) -> tuple[ast.Otherwise, ...]:
        """The chain an `otherwise` starts: its duty, then the duties after it."""
        occurrence, alternative, choice, defeaters = parts(inner)
        when = None
        if defeaters:
            with_then = [d for d in defeaters if len(d.children) > 1]
            if with_then:
                self.refuse(with_then[0], "`unless ... then` inside an `otherwise` response "
                                          "is not supported",
                            "normlang's `otherwise` takes one duty, with a `when` condition")
            when = ast.Unary("not", any_of([self.boolean(d.children[0]) for d in defeaters]),
                             self.source.span(self.span(defeaters[0]).start,
                                              self.span(defeaters[-1]).end))
        duty = self.duty(occurrence, alternative, choice)
        head = ast.Otherwise(when, ast.Ident(self.names.agent, duty.span), duty.modality,
                             duty.target, duty.window, self.span(inner))
        return (head, *duty.otherwise)

    def expectation(self, node: lark.Tree[Any], what: str) -> list[ast.Decl]:
        """A concern (`expect never ...`) or a purpose (`expect possible ...`).

        Responses with a window come first and those without are one conjunct, last: both
        are due at the trigger's instant, and only the last conjunct may go without a
        window in `.norm` (`and` would join it to the next one's formula).
        """
        quantifier: Literal["never", "possible"] = "never" if what == "concern" else "possible"
        event, condition, occurrences = self.pattern(node)
        timed = [ast.Response(formula, window, span)
                 for formula, window, span in occurrences if window is not None]
        instant = [(formula, span) for formula, window, span in occurrences if window is None]
        if instant:
            formula = instant[0][0]
            for other, _ in instant[1:]:
                formula = ast.Binary("and", formula, other, formula.span)
            timed.append(ast.Response(formula, None, instant[0][1]))
        if not timed:  # `exists E and C`: that E can occur with C
            timed.append(ast.Response(ast.BoolLit(True, self.span(event)),
                                      span=self.span(event)))
        body = ast.ExpectTimed(quantifier, self.trigger(event), condition, tuple(timed),
                               self.span(node))
        return [ast.Expect(body, self.span(node))]
