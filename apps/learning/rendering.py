"""Prompt texts are Jinja2 templates rendered in the tools' bounded sandbox
(:mod:`apps.tools.sandbox`): no attribute walks to Python internals, every variable must be
given, and nothing a short text can make the process compute without bound."""

from __future__ import annotations

import time
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError, meta

from apps.learning.errors import TemplateInvalid
from apps.tools.sandbox import BoundedSandbox, Overtime, render_chunks

MAX_TEXT = 20_000
MAX_OUTPUT = 100_000
TIMEOUT = 5.0
# What evaluating a template's expressions can raise: the template's fault, not the platform's.
_EVALUATION_ERRORS = (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, RecursionError)


def _syntax_error(exc: TemplateSyntaxError) -> TemplateInvalid:
    return TemplateInvalid("The template has a syntax error.", details={"text": [f"line {exc.lineno}: {exc.message}"]})


def variables_of(text: str) -> list[str]:
    """The names ``text`` uses without defining them (400 if it does not parse)."""
    environment = BoundedSandbox(deadline=time.monotonic() + TIMEOUT)
    try:
        parsed = environment.parse(text)
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc) from exc
    return sorted(meta.find_undeclared_variables(parsed) - set(environment.globals))


def render(text: str, variables: dict[str, Any]) -> str:
    """The rendered text; 400 naming the problem for an undefined variable, an unsafe
    expression, a text that renders too long or takes too long."""
    environment = BoundedSandbox(deadline=time.monotonic() + TIMEOUT)
    pieces: list[str] = []
    size = 0
    try:
        for chunk in render_chunks(environment, text, variables):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateInvalid(f"The rendered text is longer than {MAX_OUTPUT} characters.")
            pieces.append(chunk)
    except Overtime as exc:
        raise TemplateInvalid(f"The template did not render within {TIMEOUT:g} s.") from exc
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(
            "The template has a syntax error.", details={"text": [f"line {exc.lineno}: {exc.message}"]}
        ) from exc
    except UndefinedError as exc:
        raise TemplateInvalid(
            f"The template uses a variable that is not given: {exc.message}", details={"variables": [str(exc.message)]}
        ) from exc
    except _EVALUATION_ERRORS as exc:
        raise TemplateInvalid(
            "The template could not be rendered.", details={"text": [f"{type(exc).__name__}: {exc}"]}
        ) from exc
    return "".join(pieces)
