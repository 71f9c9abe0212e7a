"""Type-checking expressions and lowering them to the core language (`spec.RExpr`).

Types: `bool`, `int`, `real`, `enum:T`. Where an expression may be read
depends on its context: a norm's condition reads facts, its target reads its
own agent's actions, an expectation reads anything and may use the deontic
atoms. Errors are collected; an ill-typed expression lowers to `false` so that
one mistake is reported once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.findings import Finding
from ..core.source import Span
from ..syntax import ast
from .expr_profile import (
    MAX_CONSTANT_BITS,
    ConstantBits,
    Profile,
    actions_in,
    constant_bits,
    profile,
)
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
)
from .typing_base import (
    READS_ACTIONS,
    READS_FACTS,
    Bad,
    Context,
    TypingErrors,
    Unresolved,
    did_you_mean,
    show,
)

if TYPE_CHECKING:
    from .names import DeclaredNames


Typed = tuple[RExpr, str]


class Typer(TypingErrors):
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
        self._constant_bits: ConstantBits = {}

    # ------------------------------------------------------------ entry points

    def condition(self, expr: ast.Expr, context: Context, agent: str | None = None) -> RExpr:
        """Lower a boolean expression read in `context`; report and return `false` if ill-typed."""
        try:
            value, kind = self._typed(expr, context, agent)
        except Bad:
            return FALSE
        if kind != "bool":
            self._error("type-error", f"expected a condition (bool), found {show(kind)}",
                        expr.span)
            return FALSE
        return value

    def number(self, expr: ast.Expr, context: Context) -> RExpr | None:
        """Lower a numeric expression (a duration's amount); report and return None if
        ill-typed."""
        try:
            value, kind = self._typed(expr, context, None)
        except Bad:
            return None
        if kind not in ("int", "real"):
            self._error("type-error", f"expected a number, found {show(kind)}", expr.span)
            return None
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
        if isinstance(result, Unresolved):
            self._unknown_name(result, context, agent)
            raise Bad
        return result

    def _lower(self, expr: ast.Expr, context: Context,
               agent: str | None) -> Typed | Unresolved:
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
                raise Bad
            return ConflictAtom(), "bool"
        raise TypeError(expr)

    def _name(self, expr: ast.Name, context: Context, agent: str | None) -> Typed | Unresolved:
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
                raise Bad
            others = self._actions_named(name)
            if others:
                self._error("type-error", f"a norm addressed to `{agent}` cannot demand "
                                          f"`{others[0]}`, an action of another agent",
                            expr.span, "write a separate norm for that agent")
                raise Bad
            return Unresolved(name, expr.span)
        if context in READS_ACTIONS and (name in self.names.facts or name in self.names.defines):
            clashing = self._actions_named(name)
            if clashing:  # read as the fact, the action would be silently ignored
                what = "fact" if name in self.names.facts else "define"
                self._error("name-error", f"`{name}` is ambiguous: the {what} `{name}` or the "
                                          f"action `{clashing[0]}`", expr.span,
                            f"write `{clashing[0]}` for the action, or rename the {what}")
                raise Bad
        if name in self.names.facts:
            if context not in READS_FACTS:
                self._error("type-error", f"`{name}` is a fact; only actions can be read here",
                            expr.span)
                raise Bad
            fact = self.names.facts[name]
            kind = f"enum:{fact.enum}" if fact.kind == "enum" else fact.kind
            return self._shared(FactRef(name)), kind
        if name in self.names.defines:
            return self._use_define(name, expr.span, context)
        matches = self._actions_named(name)
        if matches and context not in READS_ACTIONS:
            self._error("type-error", f"`{name}` is an action; a {context.value} reads only "
                                      f"facts", expr.span,
                        "conditions describe the situation, not what agents do")
            raise Bad
        if context in READS_ACTIONS:
            if len(matches) == 1:
                return self._shared(ActionRef(matches[0])), "bool"
            if len(matches) > 1:
                self._error("name-error", f"action `{name}` is ambiguous", expr.span,
                            f"write one of {', '.join(f'`{m}`' for m in sorted(matches))}")
                raise Bad
        return Unresolved(name, expr.span)

    def _target_define(self, name: str, span: Span, agent: str) -> Typed:
        """A define used as (part of) a norm's target: it may read only `agent`'s actions."""
        typed = self._use_define(name, span, Context.TARGET)
        others = sorted(a for a in actions_in(typed[0]) if not a.startswith(f"{agent}."))
        if others:
            self._error("type-error", f"a norm addressed to `{agent}` cannot demand `{others[0]}`, "
                                      f"an action of another agent (through define `{name}`)",
                        span, "write a separate norm for that agent")
            raise Bad
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
                            *did_you_mean(expr.agent, self.names.agents))
            else:
                known = list(self.names.actions)
                self._error("name-error", f"unknown action `{qualified}`", expr.span,
                            *did_you_mean(qualified, known))
            raise Bad
        if context not in READS_ACTIONS:
            self._error("type-error", f"`{qualified}` is an action; a {context.value} reads only "
                                      f"facts", expr.span)
            raise Bad
        if context == Context.TARGET and agent is not None and expr.agent != agent:
            self._error("type-error", f"a norm addressed to `{agent}` cannot demand "
                                      f"`{qualified}`, an action of `{expr.agent}`", expr.span,
                        f"write a separate norm for `{expr.agent}`")
            raise Bad
        return self._shared(ActionRef(qualified)), "bool"

    def _unary(self, expr: ast.Unary, context: Context, agent: str | None) -> Typed:
        value, kind = self._typed(expr.operand, context, agent)
        if expr.op == "not":
            self._expect(kind, "bool", expr.operand.span, "`not`")
            return Not(value), "bool"
        if kind not in ("int", "real"):
            self._error("type-error", f"`-` needs a number, found {show(kind)}",
                        expr.operand.span)
            raise Bad
        if isinstance(value, Const):
            return Const(-value.value), kind
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
            if op == "->":
                return Implies(left, right), "bool"
            return Iff(left, right), "bool"
        if op in ("+", "-", "*"):
            operands = _arith_chain(expr)
            if operands > MAX_ARITH_CHAIN:  # typed by recursion, as z3 encodes it
                self._error("syntax-error", f"a chain of more than {MAX_ARITH_CHAIN:,} arithmetic "
                                            f"operands is too long", expr.span,
                            "split the expression with `define`s")
                raise Bad
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
                self._error("type-error", f"`{expr.op}` needs numbers, found {show(kind)}",
                            side.span)
                raise Bad
        if expr.op == "*" and profile(left).facts and profile(right).facts:
            self._error("type-error", "nonlinear arithmetic: one side of `*` must be a constant",
                        expr.span, "normlang proves facts about linear arithmetic only")
            raise Bad
        kind = "real" if "real" in (lk, rk) else "int"
        result = Arith(expr.op, left, right)  # type: ignore[arg-type]
        numerator, denominator = constant_bits(result, self._constant_bits)
        if numerator + denominator > MAX_CONSTANT_BITS:
            digits = (numerator + denominator) * 30103 // 100000  # log10(2)
            self._error("type-error", f"constants of this expression grow to about {digits:,} "
                                      f"digits once multiplied out (defines inlined)", expr.span,
                        f"normlang works with numbers of at most "
                        f"{MAX_CONSTANT_BITS * 30103 // 100000:,} digits")
            raise Bad
        return result, kind

    def _compare(self, expr: ast.Binary, context: Context, agent: str | None) -> Typed:
        left: Typed | Unresolved = self._lower(expr.left, context, agent)
        named = self._enum_named(expr.right, left)
        right: Typed | Unresolved
        if named is None:
            right = self._lower(expr.right, context, agent)
            left = self._enum_named(expr.left, right) or left
        else:
            right = named
        if isinstance(left, Unresolved) and isinstance(right, Unresolved):
            self._unknown_name(left, context, agent)
            raise Bad
        if isinstance(left, Unresolved):
            left = self._enum_value(left, right, context, agent)
        if isinstance(right, Unresolved):
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
                raise Bad
            return Cmp(op, lv, rv), "bool"  # type: ignore[arg-type]
        if lk == rk == "bool" and op in ("==", "!="):
            return Cmp(op, lv, rv), "bool"
        self._error("type-error", f"cannot compare {show(lk)} with {show(rk)} using `{op}`",
                    expr.span)
        raise Bad

    def _enum_named(self, expr: ast.Expr, other: Typed | Unresolved) -> Typed | None:
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

    def _enum_value(self, name: Unresolved, other: Typed | Unresolved, context: Context,
                    agent: str | None) -> Typed:
        if isinstance(other, tuple) and other[1].startswith("enum:"):
            enum = self.names.enums[other[1][5:]]
            if name.name in enum.values:
                return self._shared(EnumConst(enum.name, enum.values.index(name.name))), other[1]
            self._error("name-error", f"`{name.name}` is not a value of enum `{enum.name}`",
                        name.span, *did_you_mean(name.name, list(enum.values)))
            raise Bad
        owners = [e.name for e in self.names.enums.values() if name.name in e.values]
        if isinstance(other, tuple) and owners:
            self._error("type-error", f"cannot compare {show(other[1])} with `{name.name}`, "
                                      f"a value of enum `{owners[0]}`", name.span)
            raise Bad
        self._unknown_name(name, context, agent)
        raise Bad

    def _deontic(self, expr: ast.Deontic, context: Context, agent: str | None) -> Typed:
        if context != Context.EXPECT:
            where = "another deontic operator" if context == Context.DEONTIC else \
                f"a {context.value}"
            hint = ("a deontic operator applies to a formula over actions, not to another "
                    "deontic operator: `" + expr.kind + "` already quantifies over the complying "
                    "conducts" if context == Context.DEONTIC else
                    "deontic operators belong in `expect` and `scenario` formulas")
            self._error("type-error", f"`{expr.kind}` cannot be used inside {where}", expr.span,
                        hint)
            raise Bad
        target, kind = self._typed(expr.target, Context.DEONTIC, agent)
        self._expect(kind, "bool", expr.target.span, f"`{expr.kind}`")
        return DeonticAtom(expr.kind, target), "bool"

    # ------------------------------------------------------------ defines

    def _use_define(self, name: str, span: Span, context: Context) -> Typed:
        typed = self._define(name, span)
        if typed is None:
            raise Bad
        _value, _kind = typed
        reads = self._profiles[name]
        if reads.actions and context not in READS_ACTIONS:
            self._error("type-error", f"define `{name}` reads actions; a {context.value} reads "
                                      f"only facts", span)
            raise Bad
        if reads.facts and context not in READS_FACTS:
            self._error("type-error", f"define `{name}` reads facts; only actions can be read "
                                      f"here", span)
            raise Bad
        if reads.deontic and context != Context.EXPECT:
            self._error("type-error", f"define `{name}` uses deontic operators; it can only be "
                                      f"used in `expect` and `scenario`", span)
            raise Bad
        return typed

    def _define(self, name: str, span: Span) -> Typed | None:
        if name in self._defines:
            self._note_chain(self._chains.get(name, 1))
            return self._defines[name]
        if name in self._stack:
            cycle = [*self._stack[self._stack.index(name):], name]
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
        except Bad:
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


#: the most nodes a define may stand for once inlined (defines can double a formula per level)
MAX_INLINED_SIZE = 100_000


#: the most operands of one chain of `+`, `-` and `*` (`a - b - c ...`): each is a level of
#: the expression tree that typing and encoding recurse through
MAX_ARITH_CHAIN = 1000


def _arith_chain(expr: ast.Binary) -> int:
    """The operands of the chain of arithmetic whose last operator is `expr` (counted in a
    loop, up to one more than `MAX_ARITH_CHAIN`)."""
    count = 1
    node: ast.Expr = expr
    while isinstance(node, ast.Binary) and node.op in ("+", "-", "*") and count <= MAX_ARITH_CHAIN:
        count += 1
        node = node.left
    return count


def _flat(kind: type[And] | type[Or], expr: RExpr) -> tuple[RExpr, ...]:
    return expr.items if isinstance(expr, kind) else (expr,)
