// The model request log's charts: reads /api/v1/llm-requests/stats/ for the chosen window and
// draws latency (p50, p95) and tokens (in, out) over time with StoryCharts (uPlot), plus calls per
// model. It subscribes to nothing: it reads again every 30 s while the page is visible.
(function () {
  "use strict";

  const card = document.getElementById("llm-charts");
  if (!card || !window.StoryCharts) return;
  const windowSelect = document.getElementById("chart-window");
  const updated = document.getElementById("charts-updated");
  const errorBox = document.getElementById("charts-error");
  const byModel = document.getElementById("by-model");
  const REFRESH_MS = Number(card.dataset.refreshSeconds || 30) * 1000;
  let generation = 0;

  function milliseconds(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toPrecision(3))} s`;
  }

  function count(value) {
    return Math.round(value).toLocaleString("en");
  }

  function clock(date) {
    return date.toISOString().slice(11, 19);
  }

  // Buckets with no calls are absent from the answer: latency has no value there (the line
  // breaks), tokens are zero.
  function series(buckets, stepMs, from, to) {
    const byStart = new Map(buckets.map((bucket) => [Date.parse(bucket.start), bucket]));
    const origin = buckets.length ? Date.parse(buckets[0].start) : from;
    const first = origin - Math.floor((origin - from) / stepMs) * stepMs;
    const lines = { p50: [], p95: [], in: [], out: [] };
    if (!buckets.length) return lines; // no calls: the charts say so rather than draw zeros
    for (let start = first; start <= to; start += stepMs) {
      const bucket = byStart.get(start);
      const at = new Date(start);
      lines.p50.push([at, bucket ? bucket.p50_latency_ms : null]);
      lines.p95.push([at, bucket ? bucket.p95_latency_ms : null]);
      lines.in.push([at, bucket ? bucket.prompt_tokens : 0]);
      lines.out.push([at, bucket ? bucket.completion_tokens : 0]);
    }
    return lines;
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function renderByModel(rows) {
    const body = byModel.querySelector("tbody");
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      const name = document.createElement("code");
      name.textContent = row.model;
      const first = document.createElement("td");
      first.appendChild(name);
      tr.append(first, cell(count(row.count), "num"), cell(milliseconds(row.avg_latency_ms), "num"),
        cell(count(row.tokens), "num"));
      return tr;
    }));
    byModel.hidden = rows.length === 0;
  }

  function render(stats, minutes) {
    const stepMs = (stats.bucket_seconds || (minutes <= 60 ? 60 : 300)) * 1000;
    const to = Date.now();
    const from = to - minutes * 60 * 1000;
    const lines = series(stats.buckets || [], stepMs, from, to);
    const x = lines.p50.map(([at]) => at);
    const values = (points) => points.map(([, value]) => value);
    const empty = "No model calls in this window.";
    window.StoryCharts.time(document.getElementById("latency-chart"), {
      x, empty, y: { min: 0, format: milliseconds },
      series: [{ label: "p50", values: values(lines.p50) }, { label: "p95", values: values(lines.p95) }],
    });
    window.StoryCharts.time(document.getElementById("tokens-chart"), {
      x, empty, y: { min: 0, format: count },
      series: [{ label: "in (prompt)", values: values(lines.in) }, { label: "out (completion)", values: values(lines.out) }],
    });
    renderByModel(stats.by_model || []);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  async function refresh() {
    const minutes = Number(windowSelect.value);
    const mine = ++generation; // an answer for a window no longer chosen is dropped
    try {
      const response = await fetch(`${card.dataset.statsUrl}?minutes=${minutes}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
      if (mine !== generation) return;
      render(body, minutes);
      showError("");
      updated.textContent = `Updated ${clock(new Date())} UTC`;
    } catch (error) {
      if (mine === generation) showError(`The charts could not be read: ${error.message}`);
    }
  }

  windowSelect.addEventListener("change", refresh);
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  refresh();
})();
