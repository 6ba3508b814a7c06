"""The JMESPath and Jinja2 tools: what they produce and what they refuse."""

from __future__ import annotations

import pytest

from apps.tools.errors import ToolInputInvalid

pytestmark = pytest.mark.django_db

DATA = {"people": [{"name": "ada", "age": 36}, {"name": "otto", "age": 52}]}


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ("people[?age > `40`].name", ["otto"]),
        ("people[*].{who: name}", [{"who": "ada"}, {"who": "otto"}]),
        ("length(people)", 2),
        ("missing", None),
    ],
)
def test_jmespath_selects_and_reshapes(run_tool, expression: str, result: object) -> None:
    execution = run_tool("json_transform", data=DATA, expression=expression)
    assert execution.status == "succeeded"
    assert execution.output == {"result": result}


@pytest.mark.parametrize("expression", ["people[?", "abs(people)", "nosuchfunction(@)"])
def test_bad_expression_is_an_input_error_naming_it(run_tool, expression: str) -> None:
    with pytest.raises(ToolInputInvalid) as refused:
        run_tool("json_transform", data=DATA, expression=expression)
    assert list(refused.value.details) == ["expression"]
    assert refused.value.details["expression"][0]


def test_expression_length_is_limited(run_tool) -> None:
    with pytest.raises(ToolInputInvalid) as refused:
        run_tool("json_transform", data=DATA, expression="a" * 1001)
    assert "expression" in refused.value.details


def test_template_renders_with_variables(run_tool) -> None:
    template = "{% for p in people %}{{ p.name|title }}{{ ', ' if not loop.last }}{% endfor %} ({{ n }})"
    execution = run_tool("template_render", template=template, variables={**DATA, "n": 2})
    assert execution.output == {"text": "Ada, Otto (2)"}


def test_template_without_variables(run_tool) -> None:
    assert run_tool("template_render", template="{{ 6 * 7 }}").output == {"text": "42"}


@pytest.mark.parametrize(
    ("template", "field", "words"),
    [
        ("{{ ''.__class__.__mro__ }}", "template", "unsafe"),
        ("{{ people.__class__ }}", "template", "unsafe"),
        ("{% set l = [] %}{{ l.append(1) }}", "template", "unsafe"),
        ("Hello {{ nobody }}", "variables", "'nobody' is undefined"),
        ("{% if %}", "template", "line 1"),
        ("{{ 2 ** 100000 }}", "template", "bits"),
        ("{{ 'x' * 1000000 }}", "template", "repetition"),
        ("{{ 'x'|center(999999999) }}", "template", "too big"),
        ("{{ '{:>999999999}'.format(1) }}", "template", "format string"),
        ("{{ '%999999999d' % 1 }}", "template", "format string"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "template", "range"),
        ("{{ 1 / 0 }}", "template", "ZeroDivisionError"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "template", "RecursionError"),
    ],
)
def test_sandbox_refuses_with_the_reason(run_tool, template: str, field: str, words: str) -> None:
    with pytest.raises(ToolInputInvalid) as refused:
        run_tool("template_render", template=template, variables={"people": []})
    assert words in refused.value.details[field][0]


def test_output_is_capped(run_tool) -> None:
    with pytest.raises(ToolInputInvalid, match="longer than 100000"):
        run_tool(
            "template_render", template="{% for i in range(3) %}{{ text }}{% endfor %}", variables={"text": "y" * 40000}
        )


def test_template_length_is_limited(run_tool) -> None:
    with pytest.raises(ToolInputInvalid) as refused:
        run_tool("template_render", template="x" * 20001)
    assert refused.value.details["template"][0].endswith("…")  # the value is not echoed whole


def test_template_that_runs_too_long_fails(run_tool, monkeypatch) -> None:
    from apps.tools.builtin import template_render

    monkeypatch.setattr(template_render, "TIMEOUT", 0.2)
    loop = "{% for a in s %}{% for b in s %}{{ b.upper() }}{% endfor %}{% endfor %}"
    execution = run_tool("template_render", template=loop, variables={"s": "x" * 2000})
    assert execution.status == "failed"
    assert execution.error == "The template did not render within 0.2 s."
