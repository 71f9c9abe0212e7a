"""The `Builder` methods of time's rules (time.md's grammar box): events, triggers,
windows, durations, `otherwise`, `unless ... then`, the assumes and expectations of
time, and timed scenarios. `lower.Builder` inherits them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ast

if TYPE_CHECKING:
    from ..core.source import SourceFile, Span

#: an offset of the source, or None for an empty rule (an empty file)
Pos = int | None


class TimeBuilder:
    """Builds the AST nodes of time; `lower.Builder` provides the helpers used here."""

    source: SourceFile
    problems: list[tuple[str, str, Span | None]]

    if TYPE_CHECKING:
        def ident(self, token: Any) -> ast.Ident: ...
        def span_of(self, item: Any) -> Span: ...
        def _span(self, start: Pos, end: Pos) -> Span: ...
        def number(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr: ...

    def varying_fact(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Fact(self.ident(children[0]), children[1], self._span(start, end),
                        varying=True)

    def event(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Event(self.ident(children[0]), self._span(start, end))

    def c_on(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("on", children[0])

    def t_trigger_name(self, children: list[Any], start: Pos, end: Pos) -> ast.Trigger:
        name = str(children[0])
        if name == "start":
            return ast.Trigger("start", name, None, self._span(start, end))
        return ast.Trigger("event", name, None, self._span(start, end))

    def t_trigger_action(self, children: list[Any], start: Pos, end: Pos) -> ast.Trigger:
        return ast.Trigger("action", str(children[1]), str(children[0]), self._span(start, end))

    def unit(self, children: list[Any], start: Pos, end: Pos) -> str:
        return str(children[0])

    def d_number(self, children: list[Any], start: Pos, end: Pos) -> ast.Duration:
        amount = self.number(children[:1], children[0].start_pos, children[0].end_pos)
        return ast.Duration(amount, children[1], self._span(start, end))

    def d_name(self, children: list[Any], start: Pos, end: Pos) -> ast.Duration:
        return ast.Duration(ast.Name(str(children[0]), self.span_of(children[0])), children[1],
                            self._span(start, end))

    def d_expr(self, children: list[Any], start: Pos, end: Pos) -> ast.Duration:
        return ast.Duration(children[0], children[1], self._span(start, end))

    def w_within(self, children: list[Any], start: Pos, end: Pos) -> ast.Window:
        return ast.Window("within", None, children[0], self._span(start, end))

    def w_between(self, children: list[Any], start: Pos, end: Pos) -> ast.Window:
        return ast.Window("between", children[0], children[1], self._span(start, end))

    def w_eventually(self, children: list[Any], start: Pos, end: Pos) -> ast.Window:
        return ast.Window("eventually", None, None, self._span(start, end))

    def otherwise(self, children: list[Any], start: Pos, end: Pos) -> ast.Otherwise:
        when = None if hasattr(children[0], "start_pos") else children[0]
        agent, modality, target, *rest = children[1:] if when is not None else children
        if modality == "may":
            self.problems.append(("syntax-error", "an `otherwise` is a duty: `must` or "
                                                  "`must not`, not `may`", self._span(start, end)))
        return ast.Otherwise(when, self.ident(agent), modality, target,
                             rest[0] if rest else None, self._span(start, end))

    def branch(self, children: list[Any], start: Pos, end: Pos) -> ast.Branch:
        condition, agent, modality, target, *rest = children
        window = next((r for r in rest if isinstance(r, ast.Window)), None)
        chain = tuple(r for r in rest if isinstance(r, ast.Otherwise))
        return ast.Branch(condition, self.ident(agent), modality, target, window, chain,
                          self._span(start, end))

    def assume_before(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.AssumeBefore(children[0], children[1], self._span(start, end))

    def assume_on(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        trigger, *middle, (kind, bound) = children
        when, then = (None, middle[0]) if len(middle) == 1 else middle
        return ast.AssumeOn(trigger, when, then, bound if kind == "for" else None,
                            bound if kind == "until" else None, self._span(start, end))

    def until_for(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("for", children[0])

    def until_event(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("until", children[0])

    def _timed(self, quantifier: str, children: list[Any], start: Pos, end: Pos) -> Any:
        when, responses = children[1]
        return ast.ExpectTimed(quantifier, children[0], when,  # type: ignore[arg-type]
                               tuple(responses), self._span(start, end))

    def e_timed_always(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return self._timed("always", children, start, end)

    def e_timed_never(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return self._timed("never", children, start, end)

    def e_timed_possible(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return self._timed("possible", children, start, end)

    def timed_tail(self, children: list[Any], start: Pos, end: Pos) -> tuple[Any, Any]:
        return (children[0], children[1]) if len(children) == 2 else (None, children[0])

    def r_item(self, children: list[Any], start: Pos, end: Pos) -> list[ast.Response]:
        window = children[1] if len(children) > 1 else None
        return [ast.Response(children[0], window, self._span(start, end))]

    def r_more(self, children: list[Any], start: Pos, end: Pos) -> list[ast.Response]:
        span = self.source.span(children[0].span.start, children[1].span.end)
        return [ast.Response(children[0], children[1], span), *children[2]]

    def q_at(self, children: list[Any], start: Pos, end: Pos) -> ast.TimeQualifier:
        return ast.TimeQualifier("at", children[0], None, self._span(start, end))

    def q_during(self, children: list[Any], start: Pos, end: Pos) -> ast.TimeQualifier:
        return ast.TimeQualifier("during", children[0], children[1], self._span(start, end))

    def q_after(self, children: list[Any], start: Pos, end: Pos) -> ast.TimeQualifier:
        return ast.TimeQualifier("after", children[0], None, self._span(start, end))

    def occurrences(self, children: list[Any], start: Pos, end: Pos) -> ast.Occurrences:
        return ast.Occurrences(children[0], tuple(self.ident(t) for t in children[1:]),
                               self._span(start, end))

    def name_on(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Name("on", self._span(start, end))

    def dotted_on(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Dotted("on", str(children[0]), self._span(start, end))
