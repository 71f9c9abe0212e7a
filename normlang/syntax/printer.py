"""AST -> `.norm` text: the inverse of parsing, up to layout and redundant parentheses.

Parentheses are printed only where the precedence table (docs/language.md)
needs them, so `parse(print(file))` gives back an equal AST. Used by the
round-trip property tests and by anyone who rewrites specs programmatically.
"""

from __future__ import annotations

import json
import re

from . import ast

# binding strength, loosest first; atoms bind tightest
_IFF, _IMPLIES, _OR, _AND, _CMP, _SUM, _PRODUCT, _PREFIX, _ATOM = range(9)

_BINARY_LEVEL = {
    "<->": _IFF, "->": _IMPLIES, "or": _OR, "and": _AND,
    "==": _CMP, "!=": _CMP, "<": _CMP, "<=": _CMP, ">": _CMP, ">=": _CMP,
    "+": _SUM, "-": _SUM, "*": _PRODUCT,
}


def level(expr: ast.Expr) -> int:
    """How tightly `expr` binds when printed without parentheses."""
    if isinstance(expr, ast.Binary):
        return _BINARY_LEVEL[expr.op]
    if isinstance(expr, (ast.Unary, ast.Deontic)):
        return _PREFIX
    return _ATOM


def expr_text(expr: ast.Expr) -> str:
    """An expression as source text, with the fewest parentheses that keep its shape."""
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Dotted):
        return f"{expr.agent}.{expr.action}"
    if isinstance(expr, ast.BoolLit):
        return "true" if expr.value else "false"
    if isinstance(expr, ast.NumLit):
        return expr.text
    if isinstance(expr, ast.ConflictAtom):
        return "conflict"
    if isinstance(expr, ast.Unary):
        space = " " if expr.op == "not" else ""
        return f"{expr.op}{space}{_operand(expr.operand, _PREFIX)}"
    if isinstance(expr, ast.Deontic):
        return f"{expr.kind} {_operand(expr.target, _PREFIX)}"
    return _binary_text(expr)


def _binary_text(expr: ast.Binary) -> str:
    here = _BINARY_LEVEL[expr.op]
    if here == _IMPLIES:  # right-associative
        left_min, right_min = here + 1, here
    elif here == _CMP:  # non-associative
        left_min = right_min = here + 1
    else:  # left-associative
        left_min, right_min = here, here + 1
    return f"{_operand(expr.left, left_min)} {expr.op} {_operand(expr.right, right_min)}"


def _operand(expr: ast.Expr, minimum: int) -> str:
    text = expr_text(expr)
    return text if level(expr) >= minimum else f"({text})"


def string_text(value: str) -> str:
    """A string literal the lexer reads back as `value`."""
    return json.dumps(value, ensure_ascii=False)


def _names(idents: tuple[ast.Ident, ...], separator: str = ", ") -> str:
    return separator.join(i.name for i in idents)


def _type_text(type_ref: ast.TypeRef) -> str:
    if type_ref.kind == "enum":
        return type_ref.enum or ""
    if type_ref.low is not None and type_ref.high is not None:
        return f"int in {type_ref.low}..{type_ref.high}"
    return type_ref.kind


def _override_text(override: ast.Override) -> str:
    if override.when is None:
        return override.norm.name
    return f"{override.norm.name} (when {expr_text(override.when)})"


def norm_text(norm: ast.Norm) -> str:
    lines = [f"norm {norm.name.name}"]
    if norm.layer is not None:
        lines[0] += f" @{norm.layer.name}"
    if norm.protected:
        lines[0] += " protected"
    if norm.source is not None:
        lines[0] += f" {string_text(norm.source)}"
    if norm.serves:
        lines.append(f"  serves {_names(norm.serves)}")
    if norm.overrides:
        lines.append(f"  overrides {', '.join(_override_text(o) for o in norm.overrides)}")
    if norm.when is not None:
        lines.append(f"  when {expr_text(norm.when)}")
    if norm.unless is not None:
        lines.append(f"  unless {expr_text(norm.unless)}")
    if norm.trigger is not None:
        lines.append(f"  on {trigger_text(norm.trigger)}")
    lines.append(f"  {_duty_text(norm.agent, norm.modality, norm.target, norm.window)}")
    lines += [f"  {_otherwise_text(step)}" for step in norm.otherwise]
    for branch in norm.branches:
        duty = _duty_text(branch.agent, branch.modality, branch.target, branch.window)
        lines.append(f"  unless {expr_text(branch.condition)} then {duty}")
        lines += [f"    {_otherwise_text(step)}" for step in branch.otherwise]
    return "\n".join(lines)


def _duty_text(agent: ast.Ident, modality: ast.Modality, target: ast.Expr,
               window: ast.Window | None) -> str:
    text = expr_text(target)
    # `must (not x) and y` must not read back as the modality `must not`
    if modality == "must" and re.match(r"not\b", text):
        text = f"({text})"
    return f"{agent.name} {modality} {text}{_window_suffix(window)}"


def _otherwise_text(step: ast.Otherwise) -> str:
    when = f"when {expr_text(step.when)} " if step.when is not None else ""
    return f"otherwise {when}{_duty_text(step.agent, step.modality, step.target, step.window)}"


def trigger_text(trigger: ast.Trigger) -> str:
    return f"{trigger.agent}.{trigger.name}" if trigger.agent is not None else trigger.name


def duration_text(duration: ast.Duration) -> str:
    amount = duration.amount
    if isinstance(amount, (ast.NumLit, ast.Name)):
        return f"{expr_text(amount)} {duration.unit}"
    return f"({expr_text(amount)}) {duration.unit}"


def window_text(window: ast.Window) -> str:
    if window.kind == "eventually":
        return "eventually"
    assert window.high is not None
    if window.kind == "within":
        return f"within {duration_text(window.high)}"
    assert window.low is not None
    return f"within [{duration_text(window.low)}, {duration_text(window.high)}]"


def _window_suffix(window: ast.Window | None) -> str:
    return f" {window_text(window)}" if window is not None else ""


def time_text(time: ast.TimeQualifier) -> str:
    if time.kind == "during":
        assert time.high is not None
        return f"during [{duration_text(time.low)}, {duration_text(time.high)}]"
    return f"{time.kind} {duration_text(time.low)}"


def _response_text(response: ast.Response) -> str:
    return expr_text(response.formula) + _window_suffix(response.window)


def _timed_expect_text(body: ast.ExpectTimed) -> str:
    when = f" when {expr_text(body.when)}" if body.when is not None else ""
    responses = " and ".join(_parenthesised_response(r, last=i == len(body.responses) - 1)
                             for i, r in enumerate(body.responses))
    return f"expect {body.quantifier} on {trigger_text(body.trigger)}{when} then {responses}"


def _parenthesised_response(response: ast.Response, last: bool) -> str:
    # a conjunct without a window takes the `and`s after it into its formula: only the
    # last one may go without, and a formula whose own `and` ends it is kept whole
    if response.window is None and not last:
        raise ValueError("a timed expectation's responses need windows, all but the last")
    return _response_text(response)


def _expect_text(body: ast.Expectation) -> str:
    if isinstance(body, ast.ExpectConsistent):
        return "expect consistent"
    if isinstance(body, ast.ExpectTimed):
        return _timed_expect_text(body)
    if isinstance(body, ast.ExpectFormula):
        return f"expect {body.quantifier} {expr_text(body.formula)}"
    text = f"expect {body.lower.name} complies with {body.higher.name}"
    return text + (f" for {_names(body.agents)}" if body.agents else "")


def _scenario_text(scenario: ast.Scenario) -> str:
    lines = [f"scenario {scenario.name.name}"]
    lines += [f"  at {duration_text(o.time)} {_names(o.events)}" for o in scenario.occurrences]
    given = [expr_text(g) for g in scenario.given]
    given += [f"{expr_text(g.formula)} {time_text(g.time)}" for g in scenario.timed_given]
    if given:
        lines.append(f"  given {', '.join(given)}")
    lines += [f"  expect {expr_text(e.formula)}"
              + (f" {time_text(e.time)}" if e.time is not None else "")
              for e in scenario.expects]
    return "\n".join(lines)


def _assume_on_text(decl: ast.AssumeOn) -> str:
    when = f" when {expr_text(decl.when)}" if decl.when is not None else ""
    if decl.for_ is not None:
        end = f"for {duration_text(decl.for_)}"
    else:
        assert decl.until is not None
        end = f"until {trigger_text(decl.until)}"
    return f"assume on {trigger_text(decl.trigger)}{when} then {expr_text(decl.then)} {end}"


def _import_values_text(decl: ast.ImportValues) -> str:
    text = f"import values {string_text(decl.path)}"
    if not decl.mappings:
        return text
    pairs = ",\n".join(f"  {string_text(m.context)} = {expr_text(m.expr)}"
                       for m in decl.mappings)
    return f"{text} {{\n{pairs}\n}}"


def decl_text(decl: ast.Decl) -> str:
    """One declaration as source text (possibly several lines)."""
    if isinstance(decl, ast.Layers):
        return f"layers {_names(decl.names, ' > ')}"
    if isinstance(decl, ast.Agent):
        return f"agent {decl.name.name}"
    if isinstance(decl, ast.Enum):
        return f"enum {decl.name.name} {{ {_names(decl.values, ' < ' if decl.ordered else ', ')} }}"
    if isinstance(decl, ast.Fact):
        varying = "varying " if decl.varying else ""
        return f"{varying}fact {decl.name.name}: {_type_text(decl.type)}"
    if isinstance(decl, ast.Event):
        return f"event {decl.name.name}"
    if isinstance(decl, ast.AssumeBefore):
        return f"assume {trigger_text(decl.first)} before {trigger_text(decl.second)}"
    if isinstance(decl, ast.AssumeOn):
        return _assume_on_text(decl)
    if isinstance(decl, ast.Action):
        return f"action {decl.agent.name}.{decl.name.name}"
    if isinstance(decl, ast.Define):
        return f"define {decl.name.name} = {expr_text(decl.expr)}"
    if isinstance(decl, ast.Assume):
        return f"assume {expr_text(decl.expr)}"
    if isinstance(decl, ast.Constraint):
        return f"constraint {expr_text(decl.expr)}"
    if isinstance(decl, ast.Norm):
        return norm_text(decl)
    if isinstance(decl, ast.Import):
        return f"import {string_text(decl.path)}"
    if isinstance(decl, ast.ImportValues):
        return _import_values_text(decl)
    if isinstance(decl, ast.Value):
        described = f" {string_text(decl.description)}" if decl.description is not None else ""
        return f"value {decl.name.name}{described}"
    if isinstance(decl, ast.Prefer):
        when = f" when {expr_text(decl.when)}" if decl.when is not None else ""
        return f"prefer {decl.higher.name} over {decl.lower.name}{when}"
    if isinstance(decl, ast.Expect):
        return _expect_text(decl.body)
    return _scenario_text(decl)


def file_text(file: ast.File) -> str:
    """A whole file: its declarations, one blank line apart."""
    return "".join(decl_text(d) + "\n\n" for d in file.decls)
