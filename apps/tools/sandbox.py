"""A Jinja2 environment for templates nobody vetted: the sandbox (no ``__class__`` walks, no
mutation of the variables), every variable must exist, and the ways a short template can make
the process compute or allocate without bound are refused: big powers, big repetitions, huge
widths in format strings and filter arguments, ``range`` beyond a budget, and running past a
deadline. The caller caps the output it collects.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import StrictUndefined
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# No argument, width or repetition beyond this; it is also the total that all range() calls of
# one render may produce.
LIMIT = 100_000
MAX_POWER_BITS = 4096
_NUMBER = re.compile(r"\d+")


class Overtime(Exception):
    """The render ran past its deadline."""


def _check_argument(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LIMIT:
        raise SecurityError(f"{value} is too big an argument (at most {LIMIT})")


def _check_format(template: str) -> None:
    """``'%999999999d'`` or ``'{:>999999999}'`` would build a string of that width."""
    if any(int(number) > LIMIT for number in _NUMBER.findall(template)):
        raise SecurityError(f"a format string with numbers over {LIMIT} is refused")


def _bounded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # keeps Jinja's pass_context/pass_environment markers
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            _check_argument(value)
        return func(*args, **kwargs)

    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """One render's environment: it carries that render's deadline and range budget."""

    intercepted_binops = frozenset({"**", "*", "%"})

    def __init__(self, *, deadline: float) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False)
        self.deadline = deadline
        self.range_left = LIMIT
        self.filters = {name: _bounded_filter(func) for name, func in self.filters.items()}
        self.filters["format"] = self._format_filter(self.filters["format"])
        self.globals["range"] = self._range

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise Overtime

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        self.range_left -= len(numbers)
        if self.range_left < 0:
            raise SecurityError(f"range() may produce at most {LIMIT} numbers in one template")
        return numbers

    @staticmethod
    def _format_filter(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
            _check_format(str(value))
            return func(value, *args, **kwargs)

        return checked

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.tick()
        if __obj is not __self._range:
            for value in (*args, *kwargs.values()):
                _check_argument(value)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(str(value.__self__))
        return wrapped

    def call_binop(self, context: Context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            _check_power(left, right)
            return operator.pow(left, right)
        if operator_name == "*":
            _check_repeat(left, right)
            return operator.mul(left, right)
        if isinstance(left, str):
            _check_format(left)
        return operator.mod(left, right)


def _check_power(base: Any, exponent: Any) -> None:
    if not (isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0):
        return
    if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
        raise SecurityError(f"the power has more than {MAX_POWER_BITS} bits")


def _check_repeat(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int) and len(sequence) * times > LIMIT:
            raise SecurityError(f"a repetition longer than {LIMIT} is refused")


def render_chunks(environment: BoundedSandbox, template: str, variables: dict[str, Any]) -> Iterator[str]:
    """The rendered text piece by piece, checking the deadline between pieces."""
    compiled = environment.from_string(template)
    for chunk in compiled.generate(**variables):
        environment.tick()
        yield chunk
