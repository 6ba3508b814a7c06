"""The activity report (:func:`apps.monitoring.activity.activity_report`) as Markdown."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    if not rows:
        return ["_None._", ""]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def _counts(title: str, counts: dict[str, int]) -> list[str]:
    return [f"**{title}**", "", *_table(("", "count"), list(counts.items()))]


def _percent(rate: float | None) -> str:
    return "n/a (no finished runs)" if rate is None else f"{rate:.1%}"


def activity_markdown(report: dict[str, Any]) -> str:
    """A readable rendering of the same numbers, for a person or a model to read."""
    window, agents, runs = report["window"], report["agents"], report["workflow_runs"]
    llm, calls, tools = report["llm"], report["service_invocations"], report["tool_executions"]
    top = calls["top_services"]
    lines = [
        f"# Activity report: the last {window['hours']} h",
        "",
        f"From {window['since']} to {window['until']}.",
        "",
        "## Agents",
        "",
        f"{agents['created']} created; {agents['total']} in all.",
        "",
        *_counts("By status", agents["by_status"]),
        "## Workflow runs",
        "",
        f"{runs['total']} started, {runs['finished']} finished; success rate {_percent(runs['success_rate'])}.",
        "",
        *_counts("By status", runs["by_status"]),
        "## Model calls",
        "",
        f"{llm['calls']} calls, {llm['errors']} failed; {llm['prompt_tokens']} prompt and "
        f"{llm['completion_tokens']} completion tokens.",
        "",
        *_counts("By model", llm["by_model"]),
        f"## Service calls ({calls['scope']})",
        "",
        f"{calls['total']} calls.",
        "",
        *_counts("By status", calls["by_status"]),
        "**Top services**",
        "",
        *_table(("service", "calls", "failed"), [(r["service_name"], r["calls"], r["failed"]) for r in top]),
        "## Tool runs",
        "",
        f"{tools['total']} runs.",
        "",
        *_counts("By tool", tools["by_tool"]),
        "## Events",
        "",
        f"{report['events']['total']} events (service calls not counted).",
        "",
        *_counts("By type", report["events"]["by_type"]),
        "## Most frequent errors",
        "",
        *_table(("source", "error", "count"), [(e["source"], e["error"], e["count"]) for e in report["errors"]]),
    ]
    return "\n".join(lines).rstrip() + "\n"
