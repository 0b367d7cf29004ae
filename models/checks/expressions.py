"""A small, validated expression language for rule conditions (never ``eval``).

The syntax is a subset of Python expressions, parsed with :mod:`ast` and checked node by node
against a whitelist; the tree is then compiled into plain Python closures, so evaluating a
condition costs a few microseconds. What is allowed:

- fact names (see :mod:`models.checks.facts`; an unknown name is an error at compile time),
- literals: strings, numbers, ``True``/``False``/``None``, and lists/sets/tuples of literals,
- ``and``, ``or``, ``not``; comparisons ``== != < <= > >= in not in`` (chains too);
  ``x in text`` on strings is a substring test, on sets/lists a membership test,
- arithmetic ``+ - * / // %`` and unary ``-``; set operations ``& | -`` on sets,
- calls of the whitelisted functions in ``FUNCTIONS`` (``len``, ``contains_any``, ``matches``…).

Missing facts are ``None`` and propagate as *unknown* (three-valued logic, as in SQL): a
comparison or arithmetic with ``None`` is unknown, ``not unknown`` is unknown, ``a and b`` is
false if either is false, ``a or b`` true if either is true. A rule fires only when its condition
is exactly ``True``, so a fact the extractor could not find never causes a finding.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
import warnings
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from typing import Any

from models.sentencing.dates import add_months, period_end

Facts = dict[str, Any]
Fn = Callable[[Facts], Any]


class ExprError(ValueError):
    """A condition that does not compile: ``reason`` in Chinese, ``col`` 1-based (0 unknown)."""

    def __init__(self, reason: str, col: int = 0) -> None:
        super().__init__(reason if not col else f"第{col}列：{reason}")
        self.reason = reason
        self.col = col


# --------------------------------------------------------------------------- helper functions


def _len(x: Any) -> int | None:
    return None if x is None else len(x)


def _contains_any(text: Any, *needles: str) -> bool | None:
    """True when the text (or any element of a collection) contains one of the needles."""
    if text is None:
        return None
    if isinstance(text, str):
        return any(n in text for n in needles)
    return any(n in t for t in text for n in needles)


def _contains_all(text: Any, *needles: str) -> bool | None:
    if text is None:
        return None
    return all(n in text for n in needles)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(text: Any, pattern: str) -> bool | None:
    """Regular-expression search (Python ``re``) in a text."""
    if text is None:
        return None
    return _regex(pattern).search(text) is not None


def _days(a: Any, b: Any) -> int | None:
    """Days from date ``a`` to date ``b`` (b − a)."""
    if not isinstance(a, dt.date) or not isinstance(b, dt.date):
        return None
    return (b - a).days


def _late(a: Any, b: Any, n: int) -> int | None:
    """Days by which date ``b`` falls after a period of ``n`` days from ``a`` (the start day not
    counted, a last day on a weekend moved to Monday: 刑事诉讼法第一百零五条); ≤ 0 when in time."""
    if not isinstance(a, dt.date) or not isinstance(b, dt.date):
        return None
    return (b - period_end(a + dt.timedelta(days=n))).days


def _late_months(a: Any, b: Any, months: int, extra_days: int = 0) -> int | None:
    """Like ``late`` for a period of whole months (plus ``extra_days``): 一个月 from 3月5日 ends on 4月5日."""
    if not isinstance(a, dt.date) or not isinstance(b, dt.date):
        return None
    return (b - period_end(add_months(a, months) + dt.timedelta(days=extra_days))).days


def _first_after(dates: Any, d: Any) -> dt.date | None:
    """The earliest of ``dates`` on or after date ``d``."""
    if dates is None or not isinstance(d, dt.date):
        return None
    return min((x for x in dates if x >= d), default=None)


def _last_before(dates: Any, d: Any) -> dt.date | None:
    """The latest of ``dates`` on or before date ``d``."""
    if dates is None or not isinstance(d, dt.date):
        return None
    return max((x for x in dates if x <= d), default=None)


def _min(*xs: Any) -> Any:
    xs = tuple(x for x in (xs[0] if len(xs) == 1 and isinstance(xs[0], Iterable) else xs) if x is not None)
    return min(xs) if xs else None


def _max(*xs: Any) -> Any:
    xs = tuple(x for x in (xs[0] if len(xs) == 1 and isinstance(xs[0], Iterable) else xs) if x is not None)
    return max(xs) if xs else None


def _any_in(coll: Any, *items: Any) -> bool | None:
    """True when the collection holds any of the items."""
    if coll is None:
        return None
    return any(i in coll for i in items)


def _count(text: Any, needle: str) -> int | None:
    if text is None:
        return None
    return text.count(needle)


def _date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _known(x: Any) -> bool:
    """True when the fact is present (not None, not empty)."""
    return x is not None and x != "" and x != set() and x != []


FUNCTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "len": (_len, "长度（文本字数或集合元素数）"),
    "contains_any": (_contains_any, "contains_any(text, 'a', 'b'…)：文本含任一词"),
    "contains_all": (_contains_all, "contains_all(text, 'a', 'b'…)：文本含全部词"),
    "matches": (_matches, "matches(text, '正则')：正则搜索"),
    "days": (_days, "days(a, b)：日期a到日期b的天数"),
    "late": (_late, "late(a, b, n)：日期b超出自a起n日期限（期满日遇周末顺延）的天数，未超为≤0"),
    "late_months": (_late_months, "late_months(a, b, n, d=0)：日期b超出自a起n个月（另加d日）期限的天数"),
    "first_after": (_first_after, "first_after(日期列表, d)：列表中不早于d的最早日期"),
    "last_before": (_last_before, "last_before(日期列表, d)：列表中不晚于d的最晚日期"),
    "min": (_min, "最小值（忽略缺失值）"),
    "max": (_max, "最大值（忽略缺失值）"),
    "any_in": (_any_in, "any_in(集合, 'a', 'b'…)：集合含任一项"),
    "count": (_count, "count(text, 'x')：出现次数"),
    "date": (_date, "date('2018-10-26')：日期常量"),
    "known": (_known, "known(x)：事实已提取（非空）"),
    "abs": (lambda x: None if x is None else abs(x), "绝对值"),
}


# --------------------------------------------------------------------------- compiling

_CMP: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_BIN: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool | type(None)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    raise ExprError("集合/列表中只能是常量", getattr(node, "col_offset", -1) + 1)


class _Compiler:
    def __init__(self, names: Collection[str]) -> None:
        self.names = names
        self.used: set[str] = set()

    def compile(self, node: ast.AST) -> Fn:  # noqa: C901 - one branch per node type
        col = getattr(node, "col_offset", -1) + 1
        if isinstance(node, ast.Expression):
            return self.compile(node.body)
        if isinstance(node, ast.Name):
            name = node.id
            if name not in self.names:
                raise ExprError(f"未知的事实字段：{name}", col)
            self.used.add(name)
            return lambda f: f.get(name)
        if isinstance(node, ast.Constant):
            v = node.value
            if not isinstance(v, str | int | float | bool | type(None)):
                raise ExprError(f"不支持的常量：{v!r}", col)
            return lambda f: v
        if isinstance(node, ast.List | ast.Tuple):
            lv = tuple(_literal(e) for e in node.elts)
            return lambda f: lv
        if isinstance(node, ast.Set):
            sv = frozenset(_literal(e) for e in node.elts)
            return lambda f: sv
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v) for v in node.values]
            return _and(parts) if isinstance(node.op, ast.And) else _or(parts)
        if isinstance(node, ast.UnaryOp):
            inner = self.compile(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda f: None if (v := inner(f)) is None else not v
            if isinstance(node.op, ast.USub):
                return lambda f: None if (v := inner(f)) is None else -v
            raise ExprError("不支持的一元运算", col)
        if isinstance(node, ast.BinOp):
            op = _BIN.get(type(node.op))
            if op is None:
                raise ExprError("不支持的运算符", col)
            left, right = self.compile(node.left), self.compile(node.right)
            return _binop(op, left, right)
        if isinstance(node, ast.Compare):
            ops = []
            for o in node.ops:
                fn = _CMP.get(type(o))
                if fn is None:
                    raise ExprError("不支持的比较运算（is / is not 请用 == None / != None）", col)
                ops.append(fn)
            right0 = node.comparators[0]
            if (len(ops) == 1 and isinstance(node.left, ast.Name) and isinstance(right0, ast.Constant)
                    and ops[0] is not operator.eq and ops[0] is not operator.ne):
                self.compile(node.left)  # validates the name
                return _compare_name_const(ops[0], node.left.id, right0.value)
            terms = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]
            return _compare(ops, terms)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                fname = node.func.id if isinstance(node.func, ast.Name) else "?"
                raise ExprError(f"不允许调用的函数：{fname}（可用：{'、'.join(FUNCTIONS)}）", col)
            if node.keywords:
                raise ExprError("函数不接受关键字参数", col)
            fn = FUNCTIONS[node.func.id][0]
            if node.func.id == "matches" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                try:
                    re.compile(node.args[1].value)
                except (re.error, TypeError) as e:
                    raise ExprError(f"正则表达式有误：{e}", col) from None
            if node.func.id == "date":
                if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant):
                    raise ExprError("date() 需要一个 'YYYY-MM-DD' 常量", col)
                try:
                    dv = _date(node.args[0].value)
                except (ValueError, TypeError) as e:
                    raise ExprError(f"日期常量有误：{e}", col) from None
                return lambda f: dv
            args = [self.compile(a) for a in node.args]
            return _call(fn, args)
        raise ExprError(f"不支持的语法：{type(node).__name__}", col)

    def compile_test(self, node: ast.AST) -> Fn:
        """A predicate that is True exactly when the three-valued value of ``node`` is True."""
        if isinstance(node, ast.Expression):
            return self.compile_test(node.body)
        if isinstance(node, ast.BoolOp):
            parts = [self.compile_test(v) for v in node.values]
            return _all_true(parts) if isinstance(node.op, ast.And) else _any_true(parts)
        full = self.compile(node)
        return lambda f: full(f) is True


def _all_true(parts: list[Fn]) -> Fn:
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)

    def run(f: Facts) -> bool:
        for p in parts:
            if not p(f):
                return False
        return True

    return run


def _any_true(parts: list[Fn]) -> Fn:
    def run(f: Facts) -> bool:
        for p in parts:
            if p(f):
                return True
        return False

    return run


def _and(parts: list[Fn]) -> Fn:
    def run(f: Facts) -> Any:
        unknown = False
        for p in parts:
            v = p(f)
            if v is None:
                unknown = True
            elif not v:
                return False
        return None if unknown else True

    return run


def _or(parts: list[Fn]) -> Fn:
    def run(f: Facts) -> Any:
        unknown = False
        for p in parts:
            v = p(f)
            if v is None:
                unknown = True
            elif v:
                return True
        return None if unknown else False

    return run


def _binop(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    def run(f: Facts) -> Any:
        a, b = left(f), right(f)
        if a is None or b is None:
            return None
        try:
            return op(a, b)
        except (TypeError, ZeroDivisionError, ValueError):
            return None

    return run


def _compare_name_const(op: Callable[[Any, Any], Any], name: str, v: Any) -> Fn:
    """``fact <op> constant``, the commonest condition, without the generic closures."""
    if v is None:
        return lambda f: None

    def run(f: Facts) -> Any:
        a = f.get(name)
        if a is None:
            return None
        try:
            return bool(op(a, v))
        except TypeError:
            return None

    return run


def _compare(ops: list[Callable[[Any, Any], Any]], terms: list[Fn]) -> Fn:
    if len(ops) == 1:
        op, left, right = ops[0], terms[0], terms[1]
        if op is operator.eq or op is operator.ne:  # == None / != None are meaningful

            def run_eq(f: Facts) -> Any:
                try:
                    return bool(op(left(f), right(f)))
                except TypeError:
                    return None

            return run_eq

        def run1(f: Facts) -> Any:
            a = left(f)
            if a is None:
                return None
            b = right(f)
            if b is None:
                return None
            try:
                return bool(op(a, b))
            except TypeError:
                return None

        return run1

    def run(f: Facts) -> Any:
        a = terms[0](f)
        for op, t in zip(ops, terms[1:], strict=True):
            b = t(f)
            if op is operator.eq or op is operator.ne:
                pass  # == None / != None are allowed and meaningful
            elif a is None or b is None:
                return None
            try:
                if not op(a, b):
                    return False
            except TypeError:
                return None
            a = b
        return True

    return run


def _call(fn: Callable[..., Any], args: list[Fn]) -> Fn:
    def run(f: Facts) -> Any:
        try:
            return fn(*(a(f) for a in args))
        except (TypeError, ValueError):
            return None

    return run


# Functions whose result is unknown (None) whenever their first argument is unknown.
_STRICT_FIRST = frozenset({"len", "contains_any", "contains_all", "matches", "count", "any_in", "abs"})
_ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


def _strict(node: ast.AST) -> frozenset[str]:
    """Facts whose absence (None) makes the value of ``node`` unknown (None) for sure."""
    if isinstance(node, ast.Expression):
        return _strict(node.body)
    if isinstance(node, ast.Name):
        return frozenset({node.id})
    if isinstance(node, ast.UnaryOp):
        return _strict(node.operand)
    if isinstance(node, ast.BinOp):
        return _strict(node.left) | _strict(node.right)
    if isinstance(node, ast.Compare) and isinstance(node.ops[0], _ORDER_OPS):
        return _strict(node.left) | _strict(node.comparators[0])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        if node.func.id in _STRICT_FIRST:
            return _strict(node.args[0])
        if node.func.id == "days" and len(node.args) == 2:
            return _strict(node.args[0]) | _strict(node.args[1])
    return frozenset()


def _required(node: ast.AST) -> frozenset[str]:
    """Facts without which the condition cannot be exactly True (used to skip a rule cheaply)."""
    if isinstance(node, ast.Expression):
        return _required(node.body)
    if isinstance(node, ast.BoolOp):
        parts = [_required(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return frozenset().union(*parts)
        return frozenset.intersection(*parts)
    if isinstance(node, ast.Compare) and len(node.ops) > 1 and isinstance(node.ops[0], _ORDER_OPS):
        out = _strict(node.left)
        for c in node.comparators:
            out |= _strict(c)
        return out
    return _strict(node)


class Expression:
    """A compiled condition: call it with a facts dict; ``names`` are the facts it reads.

    ``required`` are the facts without which the condition can never be exactly True; the
    engine skips the rule when one of them is None. ``holds`` uses a second compilation in which
    ``and``/``or`` short-circuit on the first part that is not exactly True (an unknown part
    cannot make the whole exactly True), so a typical rule stops after its first test.
    """

    def __init__(self, source: str, fn: Fn, names: set[str], test: Fn | None = None,
                 required: frozenset[str] = frozenset()) -> None:
        self.source = source
        self.fn = fn
        self.names = names
        self.test = test or (lambda f: fn(f) is True)
        self.required = required

    def __call__(self, facts: Facts) -> Any:
        return self.fn(facts)

    def holds(self, facts: Facts) -> bool:
        """True only when the condition is exactly true (unknown and false do not fire)."""
        return self.test(facts)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_expression(source: str, names: Collection[str]) -> Expression:
    """Parse and validate ``source`` against the known fact ``names``; raise ExprError."""
    text = " ".join(source.split())  # YAML folded lines → one line
    if not text:
        raise ExprError("条件为空")
    if len(text) > 4000:
        raise ExprError("条件过长")
    try:
        with warnings.catch_warnings():  # '\d' in a regex literal is fine here
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise ExprError(f"语法错误：{e.msg}", e.offset or 0) from None
    c = _Compiler(names)
    fn = c.compile(tree)
    return Expression(text, fn, c.used, c.compile_test(tree), _required(tree))
