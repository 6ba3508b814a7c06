// Goals pages: the analytics charts (completion and average progress per day), the goal's
// burn-up chart, and live progress from events:goal. Every page works without this script.
(function () {
  "use strict";

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function percent(value) {
    return `${Math.round(value)}%`;
  }

  function utcDay(day) {
    return new Date(`${day}T00:00:00Z`);
  }

  function listCharts() {
    const days = data("goal-days");
    if (!days || !window.StoryCharts) return;
    const x = days.map((day) => utcDay(day.date));
    window.StoryCharts.time(document.getElementById("completion-chart"), {
      x,
      series: [
        { label: "goals set", values: days.map((day) => day.total) },
        { label: "achieved", values: days.map((day) => day.achieved) },
      ],
      y: { min: 0, format: (v) => String(Math.round(v)) },
      empty: "No goals yet.",
    });
    window.StoryCharts.time(document.getElementById("progress-chart"), {
      x,
      series: [{ label: "average progress", values: days.map((day) => day.average_progress) }],
      y: { min: 0, max: 100, format: percent },
      empty: "No progress recorded yet.",
    });
  }

  // The ideal line runs from 0 when the goal was set to 100 on its target date.
  function burnUp() {
    const burn = data("goal-burnup");
    if (!burn || !window.StoryCharts) return;
    const points = burn.points.map((point) => [new Date(point.t), point.progress]);
    const now = new Date();
    if (points.length) points.push([now, points[points.length - 1][1]]);
    const times = points.map(([at]) => at);
    const start = new Date(burn.created_at);
    const end = burn.target_date ? new Date(`${burn.target_date}T23:59:59Z`) : null;
    if (end && end > now) times.push(end);
    times.sort((a, b) => a - b);
    const progressAt = new Map(points.map(([at, value]) => [at.getTime(), value]));
    const series = [{ label: "progress", values: times.map((at) => (progressAt.has(at.getTime()) ? progressAt.get(at.getTime()) : null)) }];
    if (end) {
      const span = Math.max(end - start, 1);
      series.push({
        label: "on track", dash: true, spanGaps: true,
        values: times.map((at) => Math.max(0, Math.min(100, (100 * (at - start)) / span))),
      });
    }
    window.StoryCharts.time(document.getElementById("burnup-chart"), {
      x: times, series, y: { min: 0, max: 100, format: percent }, empty: "No progress recorded yet.",
    });
  }

  function setStatus(badge, status) {
    if (!badge || !status) return;
    badge.className = `status status-${status}`;
    badge.textContent = status.replace("_", " ");
  }

  function follow() {
    if (!window.StoryFeed) return;
    const page = document.getElementById("goal");
    const table = document.getElementById("goals");
    const notice = document.getElementById("goals-changes");
    let changes = 0;
    window.StoryFeed.on("events:goal", (message) => {
      const payload = message.payload || {};
      if (page && payload.id === page.dataset.goalId) {
        if (payload.progress !== undefined) {
          document.getElementById("goal-progress").value = payload.progress;
          document.getElementById("goal-percent").textContent = `${payload.progress}%`;
        }
        setStatus(document.getElementById("goal-status"), payload.status);
        return;
      }
      const row = table && payload.id ? table.querySelector(`tr[data-goal-id="${CSS.escape(payload.id)}"]`) : null;
      if (row) {
        if (payload.progress !== undefined) {
          row.querySelector("progress").value = payload.progress;
          row.querySelector(".goal-percent").textContent = `${payload.progress}%`;
        }
        setStatus(row.querySelector(".status"), payload.status);
      } else if (notice && ["GoalCreated", "GoalDeleted"].includes(message.type)) {
        changes += 1;
        document.getElementById("goals-changes-text").textContent =
          `${changes} new or deleted goal${changes === 1 ? "" : "s"} — reload to see ${changes === 1 ? "it" : "them"}.`;
        notice.hidden = false;
      }
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  listCharts();
  burnUp();
  follow();
})();
