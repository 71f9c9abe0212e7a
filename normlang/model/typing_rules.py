"""Type-checking expressions and lowering them to the core language (`spec.RExpr`).

Types: `bool`, `int`, `real`, `enum:T`. Where an expression may be read
depends on its context: a norm's condition reads facts, its target reads its
own agent's actions, an expectation reads anything and may use the deontic
atoms. Errors are collected; an ill-typed expression lowers to `false` so that
one mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from ..core.findings import Finding, Label
from ..core.source import Span
from ..core.suggest import closest
from ..syntax import ast
from ..syntax.grammar import KEYWORDS
from .spec import (
    FALSE,
    ActionRef,
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    EnumConst,
    FactRef,
    Iff,
    Implies,
    Neg,
    Not,
    Or,
    RExpr,
    children,
)

if TYPE_CHECKING:
    from .names import DeclaredNames


class Context(Enum):
    CONDITION = "condition"
    CONSTRAINT = "constraint"
    TARGET = "target"
    EXPECT = "expectation"
    DEONTIC = "deontic target"
    DEFINE = "define"


_READS_ACTIONS = {Context.CONSTRAINT, Context.TARGET, Context.EXPECT, Context.DEONTIC,
                  Context.DEFINE}
_READS_FACTS = {Context.CONDITION, Context.CONSTRAINT, Context.EXPECT, Context.DEONTIC,
                Context.DEFINE}


@dataclass(frozen=True)
class _Unresolved:
    """A bare name that is neither a fact, a define nor an action: maybe an enum value."""

    name: str
    span: Span


Typed = tuple[RExpr, str]


class _Bad(Exception):
    """An error already reported; the expression lowers to `false`."""


class Typer:
    def __init__(self, names: DeclaredNames, findings: list[Finding], max_depth: int = 800) -> None:
        self.names = names
        self.findings = findings
        #: the deepest an expression may be once defines are inlined
        self.max_depth = max_depth
        self._defines: dict[str, Typed | None] = {}
        self._by_bare_name: dict[str, list[str]] | None = None
        self._indexed: set[str] = set()
        self._profiles: dict[str, Profile] = {}
        self._stack: list[str] = []
        #: per define being typed (innermost last): the longest chain of defines it uses
        self._below: list[int] = []
        #: define -> the number of defines in its longest chain, itself included
        self._chains: dict[str, int] = {}
        #: one FactRef / ActionRef / EnumConst per name or value, shared by every use
        self._leaves: dict[RExpr, RExpr] = {}
        self._suggestions: dict[tuple[str, str], tuple[str, ...]] = {}

    # ------------------------------------------------------------ entry points

    def condition(self, expr: ast.Expr, context: Context, agent: str | None = None) -> RExpr:
        """Lower a boolean expression read in `context`; report and return `false` if ill-typed."""
        try:
            value, kind = self._typed(expr, context, agent)
        except _Bad:
            return FALSE
        if kind != "bool":
            self._error("type-error", f"expected a condition (bool), found {_show(kind)}",
                        expr.span)
            return FALSE
        return value

    def define_values(self) -> dict[str, RExpr]:
        out = {}
        for name in self.names.defines:
            typed = self._define(name, self.names.defines[name].name.span)
            if typed is not None:
                out[name] = typed[0]
        return out

    # ------------------------------------------------------------ expressions

    def _shared(self, leaf: RExpr) -> RExpr:
        """`leaf` or an equal one made before: a book reads its names millions of times.

        Only for leaves whose equality is exact (not `Const`: `Const(True) == Const(1)`).
        """
        return self._leaves.setdefault(leaf, leaf)

    def _typed(self, expr: ast.Expr, context: Context, agent: str | None) -> Typed:
        result = self._lower(expr, context, agent)
        if isinstance(result, _Unresolved):
            self._unknown_name(result, context, agent)
            raise _Bad
        return result

    def _lower(self, expr: ast.Expr, context: Context,
               agent: str | None) -> Typed | _Unresolved:
        if isinstance(expr, ast.BoolLit):
            return Const(expr.value), "bool"
        if isinstance(expr, ast.NumLit):
            if expr.is_int:
                return Const(int(expr.value)), "int"
            return Const(expr.value), "real"
        if isinstance(expr, ast.Name):
            return self._name(expr, context, agent)
        if isinstance(expr, ast.Dotted):
            return self._dotted(expr, context, agent)
        if isinstance(expr, ast.Unary):
            return self._unary(expr, context, agent)
        if isinstance(expr, ast.Binary):
            return self._binary(expr, context, agent)
        if isinstance(expr, ast.Deontic):
            return self._deontic(expr, context, agent)
        if isinstance(expr, ast.ConflictAtom):
            if context != Context.EXPECT:
                self._error("type-error", "`conflict` can only be used in `expect` and "
                                          "`scenario`", expr.span)
                raise _Bad
            return ConflictAtom(), "bool"
        raise TypeError(expr)

    def _name(self, expr: ast.Name, context: Context, agent: str | None) -> Typed | _Unresolved:
        name = expr.name
        if context == Context.TARGET and agent is not None:
            qualified = f"{agent}.{name}"
            if qualified in self.names.actions:
                return self._shared(ActionRef(qualified)), "bool"
            if name in self.names.defines:
                return self._target_define(name, expr.span, agent)
            if name in self.names.facts:
                self._error("type-error", f"a norm's target is a formula over `{agent}`'s "
                                          f"actions; `{name}` is not one", expr.span,
                            "put conditions on facts in `when` or `unless`")
                raise _Bad
            others = self._actions_named(name)
            if others:
                self._error("type-error", f"a norm addressed to `{agent}` cannot demand "
                                          f"`{others[0]}`, an action of another agent",
                            expr.span, "write a separate norm for that agent")
                raise _Bad
            return _Unresolved(name, expr.span)
        if context in _READS_ACTIONS and (name in self.names.facts or name in self.names.defines):
            clashing = self._actions_named(name)
            if clashing:  # read as the fact, the action would be silently ignored
                what = "fact" if name in self.names.facts else "define"
                self._error("name-error", f"`{name}` is ambiguous: the {what} `{name}` or the "
                                          f"action `{clashing[0]}`", expr.span,
                            f"write `{clashing[0]}` for the action, or rename the {what}")
                raise _Bad
        if name in self.names.facts:
            if context not in _READS_FACTS:
                self._error("type-error", f"`{name}` is a fact; only actions can be read here",
                            expr.span)
                raise _Bad
            fact = self.names.facts[name]
            kind = f"enum:{fact.enum}" if fact.kind == "enum" else fact.kind
            return self._shared(FactRef(name)), kind
        if name in self.names.defines:
            return self._use_define(name, expr.span, context)
        matches = self._actions_named(name)
        if matches and context not in _READS_ACTIONS:
            self._error("type-error", f"`{name}` is an action; a {context.value} reads only "
                                      f"facts", expr.span,
                        "conditions describe the situation, not what agents do")
            raise _Bad
        if context in _READS_ACTIONS:
            if len(matches) == 1:
                return self._shared(ActionRef(matches[0])), "bool"
            if len(matches) > 1:
                self._error("name-error", f"action `{name}` is ambiguous", expr.span,
                            f"write one of {', '.join(f'`{m}`' for m in sorted(matches))}")
                raise _Bad
        return _Unresolved(name, expr.span)

    def _target_define(self, name: str, span: Span, agent: str) -> Typed:
        """A define used as (part of) a norm's target: it may read only `agent`'s actions."""
        typed = self._use_define(name, span, Context.TARGET)
        others = sorted(a for a in _actions_in(typed[0]) if not a.startswith(f"{agent}."))
        if others:
            self._error("type-error", f"a norm addressed to `{agent}` cannot demand `{others[0]}`, "
                                      f"an action of another agent (through define `{name}`)",
                        span, "write a separate norm for that agent")
            raise _Bad
        return typed

    def _note_chain(self, chain: int) -> None:
        """Tell the define being typed (if any) that it uses a chain of `chain` defines."""
        if self._below:
            self._below[-1] = max(self._below[-1], chain)

    def _actions_named(self, name: str) -> list[str]:
        """The qualified actions whose own name is `name`, sorted."""
        if self._by_bare_name is None or len(self._indexed) != len(self.names.actions):
            index: dict[str, list[str]] = {}
            for qualified in sorted(self.names.actions):
                index.setdefault(qualified.split(".", 1)[1], []).append(qualified)
            self._by_bare_name, self._indexed = index, set(self.names.actions)
        return list(self._by_bare_name.get(name, ()))

    def _dotted(self, expr: ast.Dotted, context: Context, agent: str | None) -> Typed:
        qualified = f"{expr.agent}.{expr.action}"
        if qualified not in self.names.actions:
            if expr.agent not in self.names.agents:
                self._error("name-error", f"unknown agent `{expr.agent}`", expr.span,
                            *_did_you_mean(expr.agent, self.names.agents))
            else:
                known = [a for a in self.names.actions]
                self._error("name-error", f"unknown action `{qualified}`", expr.span,
                            *_did_you_mean(qualified, known))
            raise _Bad
        if context not in _READS_ACTIONS:
            self._error("type-error", f"`{qualified}` is an action; a {context.value} reads only "
                                      f"facts", expr.span)
            raise _Bad
        if context == Context.TARGET and agent is not None and expr.agent != agent:
            self._error("type-error", f"a norm addressed to `{agent}` cannot demand "
                                      f"`{qualified}`, an action of `{expr.agent}`", expr.span,
                        f"write a separate norm for `{expr.agent}`")
            raise _Bad
        return self._shared(ActionRef(qualified)), "bool"

    def _unary(self, expr: ast.Unary, context: Context, agent: str | None) -> Typed:
        value, kind = self._typed(expr.operand, context, agent)
        if expr.op == "not":
            self._expect(kind, "bool", expr.operand.span, "`not`")
            return Not(value), "bool"
        if kind not in ("int", "real"):
            self._error("type-error", f"`-` needs a number, found {_show(kind)}",
                        expr.operand.span)
            raise _Bad
        if isinstance(value, Const):
            return Const(-value.value), kind  # type: ignore[operator]
        return Neg(value), kind

    def _binary(self, expr: ast.Binary, context: Context, agent: str | None) -> Typed:
        op = expr.op
        if op in ("and", "or"):
            return self._chain(expr, context, agent)
        if op in ("->", "<->"):
            left, lk = self._typed(expr.left, context, agent)
            right, rk = self._typed(expr.right, context, agent)
            self._expect(lk, "bool", expr.left.span, f"`{op}`")
            self._expect(rk, "bool", expr.right.span, f"`{op}`")
            if op == "and":
                return And(_flat(And, left) + _flat(And, right)), "bool"
            if op == "or":
                return Or(_flat(Or, left) + _flat(Or, right)), "bool"
            if op == "->":
                return Implies(left, right), "bool"
            return Iff(left, right), "bool"
        if op in ("+", "-", "*"):
            return self._arith(expr, context, agent)
        return self._compare(expr, context, agent)

    def _chain(self, expr: ast.Binary, context: Context, agent: str | None) -> Typed:
        """`a and b and ...` (or `or`): the left spine walked in a loop, not by recursion."""
        op = expr.op
        operands: list[ast.Expr] = []
        node: ast.Expr = expr
        while isinstance(node, ast.Binary) and node.op == op:
            operands.append(node.right)
            node = node.left
        operands.append(node)
        kind_of_node = And if op == "and" else Or
        items: list[RExpr] = []
        for operand in reversed(operands):
            value, kind = self._typed(operand, context, agent)
            self._expect(kind, "bool", operand.span, f"`{op}`")
            items.extend(_flat(kind_of_node, value))
        return kind_of_node(tuple(items)), "bool"

    def _arith(self, expr: ast.Binary, context: Context, agent: str | None) -> Typed:
        left, lk = self._typed(expr.left, context, agent)
        right, rk = self._typed(expr.right, context, agent)
        for kind, side in ((lk, expr.left), (rk, expr.right)):
            if kind not in ("int", "real"):
                self._error("type-error", f"`{expr.op}` needs numbers, found {_show(kind)}",
                            side.span)
                raise _Bad
        if expr.op == "*" and profile(left).facts and profile(right).facts:
            self._error("type-error", "nonlinear arithmetic: one side of `*` must be a constant",
                        expr.span, "normlang proves facts about linear arithmetic only")
            raise _Bad
        kind = "real" if "real" in (lk, rk) else "int"
        return Arith(expr.op, left, right), kind  # type: ignore[arg-type]

    def _compare(self, expr: ast.Binary, context: Context, agent: str | None) -> Typed:
        left = self._lower(expr.left, context, agent)
        right = self._enum_named(expr.right, left)
        if right is None:
            right = self._lower(expr.right, context, agent)
            left = self._enum_named(expr.left, right) or left
        if isinstance(left, _Unresolved) and isinstance(right, _Unresolved):
            self._unknown_name(left, context, agent)
            raise _Bad
        if isinstance(left, _Unresolved):
            left = self._enum_value(left, right, context, agent)  # type: ignore[arg-type]
        if isinstance(right, _Unresolved):
            right = self._enum_value(right, left, context, agent)
        (lv, lk), (rv, rk) = left, right
        op = expr.op
        numeric = {"int", "real"}
        if lk in numeric and rk in numeric:
            return Cmp(op, lv, rv), "bool"  # type: ignore[arg-type]
        if lk == rk and lk.startswith("enum:"):
            enum = self.names.enums[lk[5:]]
            if op not in ("==", "!=") and not enum.ordered:
                self._error("type-error", f"enum `{enum.name}` is not ordered; only `==` and "
                                          f"`!=` apply", expr.span,
                            f"declare it as a scale: `enum {enum.name} {{ "
                            f"{' < '.join(enum.values)} }}`")
                raise _Bad
            return Cmp(op, lv, rv), "bool"  # type: ignore[arg-type]
        if lk == rk == "bool" and op in ("==", "!="):
            return Cmp(op, lv, rv), "bool"  # type: ignore[arg-type]
        self._error("type-error", f"cannot compare {_show(lk)} with {_show(rk)} using `{op}`",
                    expr.span)
        raise _Bad

    def _enum_named(self, expr: ast.Expr, other: Typed | _Unresolved) -> Typed | None:
        """`expr` as a value of the enum `other` has, if it is a bare name of that enum.

        Compared with an enum, a value of that enum wins over a fact or define of the
        same name: values resolve by the type they meet.
        """
        if not isinstance(expr, ast.Name) or not isinstance(other, tuple):
            return None
        if not other[1].startswith("enum:"):
            return None
        enum = self.names.enums[other[1][5:]]
        if expr.name not in enum.values:
            return None
        return self._shared(EnumConst(enum.name, enum.values.index(expr.name))), other[1]

    def _enum_value(self, name: _Unresolved, other: Typed | _Unresolved, context: Context,
                    agent: str | None) -> Typed:
        if isinstance(other, tuple) and other[1].startswith("enum:"):
            enum = self.names.enums[other[1][5:]]
            if name.name in enum.values:
                return self._shared(EnumConst(enum.name, enum.values.index(name.name))), other[1]
            self._error("name-error", f"`{name.name}` is not a value of enum `{enum.name}`",
                        name.span, *_did_you_mean(name.name, list(enum.values)))
            raise _Bad
        owners = [e.name for e in self.names.enums.values() if name.name in e.values]
        if isinstance(other, tuple) and owners:
            self._error("type-error", f"cannot compare {_show(other[1])} with `{name.name}`, "
                                      f"a value of enum `{owners[0]}`", name.span)
            raise _Bad
        self._unknown_name(name, context, agent)
        raise _Bad

    def _deontic(self, expr: ast.Deontic, context: Context, agent: str | None) -> Typed:
        if context != Context.EXPECT:
            where = "another deontic operator" if context == Context.DEONTIC else \
                f"a {context.value}"
            self._error("type-error", f"`{expr.kind}` cannot be used inside {where}", expr.span,
                        "deontic operators belong in `expect` and `scenario` formulas")
            raise _Bad
        target, kind = self._typed(expr.target, Context.DEONTIC, agent)
        self._expect(kind, "bool", expr.target.span, f"`{expr.kind}`")
        return DeonticAtom(expr.kind, target), "bool"

    # ------------------------------------------------------------ defines

    def _use_define(self, name: str, span: Span, context: Context) -> Typed:
        typed = self._define(name, span)
        if typed is None:
            raise _Bad
        value, kind = typed
        reads = self._profiles[name]
        if reads.actions and context not in _READS_ACTIONS:
            self._error("type-error", f"define `{name}` reads actions; a {context.value} reads "
                                      f"only facts", span)
            raise _Bad
        if reads.facts and context not in _READS_FACTS:
            self._error("type-error", f"define `{name}` reads facts; only actions can be read "
                                      f"here", span)
            raise _Bad
        if reads.deontic and context != Context.EXPECT:
            self._error("type-error", f"define `{name}` uses deontic operators; it can only be "
                                      f"used in `expect` and `scenario`", span)
            raise _Bad
        return typed

    def _define(self, name: str, span: Span) -> Typed | None:
        if name in self._defines:
            self._note_chain(self._chains.get(name, 1))
            return self._defines[name]
        if name in self._stack:
            cycle = self._stack[self._stack.index(name):] + [name]
            self._error("name-error", f"define `{name}` refers to itself: "
                                      f"{' -> '.join(cycle)}", span,
                        "defines cannot be recursive")
            return None
        if len(self._stack) > self.max_depth // 4:
            self._error("syntax-error", f"defines nest too deep: `{self._stack[0]}` reaches "
                                        f"`{name}` through {len(self._stack)} others", span,
                        "flatten the chain of defines")
            return None
        self._stack.append(name)
        self._below.append(0)
        try:
            typed: Typed | None = self._typed(self.names.defines[name].expr, Context.EXPECT, None)
        except _Bad:
            typed = None
        finally:
            self._stack.pop()
            chain = self._below.pop() + 1
        self._chains[name] = chain
        self._note_chain(chain)
        if typed is not None and chain > self.max_depth // 4 + 1:
            # the same limit whatever the order of declaration: typed after the defines it
            # uses, a define does not find the chain below it on the stack above
            self._error("syntax-error", f"defines nest too deep: `{name}` reaches other defines "
                                        f"through a chain of {chain - 1}",
                        self.names.defines[name].span, "flatten the chain of defines")
            typed = None
        if typed is not None:
            shape = profile(typed[0])
            if shape.size > MAX_INLINED_SIZE or shape.depth > self.max_depth:
                self._error("syntax-error", f"define `{name}` is too large once the defines it "
                                            f"uses are inlined", self.names.defines[name].span,
                            f"at most {MAX_INLINED_SIZE} nodes and {self.max_depth} levels")
                typed = None
            else:
                self._profiles[name] = shape
        self._defines[name] = typed
        return typed

    # ------------------------------------------------------------ errors

    def _expect(self, kind: str, wanted: str, span: Span, what: str) -> None:
        if kind != wanted:
            self._error("type-error", f"{what} needs a condition (bool), found {_show(kind)}",
                        span)
            raise _Bad

    def _unknown_name(self, name: _Unresolved, context: Context, agent: str | None) -> None:
        if name.name in KEYWORDS:
            self._error("syntax-error", f"`{name.name}` is a keyword and cannot be used as a "
                                        f"name", name.span, "choose another name")
            return
        if context == Context.TARGET and agent is not None:
            prefix = agent + "."
            hint = self._suggestion(name.name, prefix, lambda: [
                a.split(".", 1)[1] for a in self.names.actions if a.startswith(prefix)])
            self._error("name-error", f"unknown action `{name.name}` of agent `{agent}`",
                        name.span, *hint)
            return

        def known() -> list[str]:
            names = list(self.names.facts) + list(self.names.defines)
            if context in _READS_ACTIONS:
                names += [a.split(".", 1)[1] for a in self.names.actions]
            return names

        enum_owner = [e.name for e in self.names.enums.values() if name.name in e.values]
        if enum_owner:
            self._error("name-error", f"`{name.name}` is a value of enum `{enum_owner[0]}`, "
                                      f"not a condition", name.span,
                        "compare it with a fact of that type, e.g. `risk == " + name.name + "`")
            return
        what = "fact" if context == Context.CONDITION else "name"
        hint = self._suggestion(name.name, "+actions" if context in _READS_ACTIONS else "",
                                known)
        self._error("name-error", f"unknown {what} `{name.name}`", name.span, *hint)

    def _suggestion(self, word: str, among: str,
                    known: Callable[[], list[str]]) -> tuple[str, ...]:
        """`_did_you_mean(word, known())`, once per (word, `among`: which names `known` lists).

        INVARIANT: every name is declared before typing starts, so the answer cannot change.
        """
        key = (word, among)
        if key not in self._suggestions:
            self._suggestions[key] = _did_you_mean(word, known())
        return self._suggestions[key]

    def _error(self, kind: str, message: str, span: Span, *help_lines: str) -> None:
        self.findings.append(Finding(kind, message, span, (Label(span, primary=True),),
                                     help=help_lines))


#: the most nodes a define may stand for once inlined (defines can double a formula per level)
MAX_INLINED_SIZE = 100_000


@dataclass(frozen=True)
class Profile:
    """What an expression costs and reads: tree size and depth, facts, actions, deontic atoms."""

    size: int
    depth: int
    facts: bool
    actions: bool
    deontic: bool


def profile(expr: RExpr) -> Profile:
    """The profile of `expr`, walking each shared subexpression once (inlined defines share)."""
    # keyed by id(): structural hashing of a shared DAG would itself take exponential time
    memo: dict[int, Profile] = {}
    stack: list[tuple[RExpr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in memo:
            continue
        kids = tuple(children(node))
        if kids and not expanded:
            stack.append((node, True))
            stack.extend((kid, False) for kid in kids if id(kid) not in memo)
            continue
        parts = [memo[id(kid)] for kid in kids]
        memo[id(node)] = Profile(
            size=1 + sum(p.size for p in parts),
            depth=1 + max((p.depth for p in parts), default=0),
            facts=isinstance(node, FactRef) or any(p.facts for p in parts),
            actions=isinstance(node, ActionRef) or any(p.actions for p in parts),
            deontic=isinstance(node, (DeonticAtom, ConflictAtom)) or any(p.deontic for p in parts),
        )
    return memo[id(expr)]


def _actions_in(expr: RExpr) -> set[str]:
    """The actions `expr` reads (each shared subexpression walked once)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ActionRef):
            found.add(node.name)
        stack.extend(children(node))
    return found


def _flat(kind: type, expr: RExpr) -> tuple[RExpr, ...]:
    return expr.items if isinstance(expr, kind) else (expr,)  # type: ignore[attr-defined]


def _show(kind: str) -> str:
    return f"enum `{kind[5:]}`" if kind.startswith("enum:") else f"`{kind}`"


def _did_you_mean(name: str, known: Iterable[str]) -> tuple[str, ...]:
    close = closest(name, known)
    return (f"did you mean `{close}`?",) if close is not None else ()

