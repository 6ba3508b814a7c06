"""``template_render``: render a Jinja2 template in the sandbox (see :mod:`apps.tools.sandbox`)."""

from __future__ import annotations

import time
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError

from apps.tools.errors import ToolError, ToolInputInvalid
from apps.tools.registry import ToolContext, tool
from apps.tools.sandbox import BoundedSandbox, Overtime, render_chunks

MAX_TEMPLATE = 20_000
MAX_OUTPUT = 100_000
TIMEOUT = 5.0
# What evaluating a template's expressions can raise: the template's fault, not the platform's.
_EVALUATION_ERRORS = (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, RecursionError)


@tool(
    name="template_render",
    description=(
        "Render a Jinja2 template with variables, in a sandbox. Undefined variables are errors; "
        f"the text may be up to {MAX_OUTPUT} characters."
    ),
    params={
        "type": "object",
        "properties": {
            "template": {"type": "string", "maxLength": MAX_TEMPLATE},
            "variables": {"type": "object", "default": {}},
        },
        "required": ["template"],
        "additionalProperties": False,
    },
    result={"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    timeout=TIMEOUT,
)
def template_render(ctx: ToolContext, *, template: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    environment = BoundedSandbox(deadline=time.monotonic() + TIMEOUT)
    pieces: list[str] = []
    size = 0
    try:
        for chunk in render_chunks(environment, template, variables or {}):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise ToolInputInvalid(
                    f"The rendered text is longer than {MAX_OUTPUT} characters.",
                    details={"template": [f"renders to more than {MAX_OUTPUT} characters"]},
                )
            pieces.append(chunk)
    except Overtime as exc:
        raise ToolError(f"The template did not render within {TIMEOUT:g} s.") from exc
    except TemplateSyntaxError as exc:
        raise _invalid("The template has a syntax error.", f"line {exc.lineno}: {exc.message}") from exc
    except UndefinedError as exc:
        raise ToolInputInvalid(
            "The template uses a variable that is not defined.", details={"variables": [str(exc.message)]}
        ) from exc
    except _EVALUATION_ERRORS as exc:
        raise _invalid("The template could not be rendered.", f"{type(exc).__name__}: {exc}") from exc
    return {"text": "".join(pieces)}


def _invalid(message: str, detail: str) -> ToolInputInvalid:
    return ToolInputInvalid(message, details={"template": [detail]})
