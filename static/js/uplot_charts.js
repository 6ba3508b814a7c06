// Time-series charts for the control center, drawn by the vendored uPlot
// (static/vendor/uplot, MIT). One call per chart:
//
//   StoryCharts.time(container, {
//     x: [Date, ...],                                   // the times
//     series: [{ label: "p95", values: [n or null, ...], dash: false }, ...],
//     y: { min: 0, max: 100, format: (v) => `${v}%` },  // optional
//     height: 220, empty: "No data yet.",
//   });
//
// It returns the uPlot instance (or null when there is nothing to draw, after writing the
// `empty` text into the container). Charts follow their container's width on resize.
(function () {
  "use strict";

  const COLOURS = ["#3b5bdb", "#e67700", "#2b8a3e", "#c92a2a", "#7048e8", "#0c8599", "#d6336c"];
  const charts = new Map();

  function width(container) {
    return Math.max(container.clientWidth || container.parentElement.clientWidth || 320, 240);
  }

  function time(container, options) {
    if (!container || !window.uPlot) return null;
    const previous = charts.get(container);
    if (previous) { previous.destroy(); charts.delete(container); }
    const xs = (options.x || []).map((date) => date.getTime() / 1000);
    const hasData = options.series.some((line) => line.values.some((value) => value !== null && value !== undefined));
    if (!xs.length || !hasData) {
      container.replaceChildren();
      const note = document.createElement("p");
      note.className = "muted chart-empty";
      note.textContent = options.empty || "No data yet.";
      container.append(note);
      return null;
    }
    container.replaceChildren();
    const y = options.y || {};
    const format = y.format || ((value) => String(value));
    const opts = {
      width: width(container),
      height: options.height || 220,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (u, min, max) => [y.min !== undefined ? y.min : Math.min(0, min), y.max !== undefined ? y.max : Math.max(max, 1)] },
      },
      axes: [
        { stroke: "#667085", grid: { stroke: "#e3e6ec" }, ticks: { stroke: "#c4c9d4" } },
        { stroke: "#667085", grid: { stroke: "#e3e6ec" }, ticks: { stroke: "#c4c9d4" }, size: 60,
          values: (u, ticks) => ticks.map(format) },
      ],
      series: [
        { value: (u, ts) => (ts === null ? "—" : new Date(ts * 1000).toISOString().slice(0, 16).replace("T", " ")) },
        ...options.series.map((line, index) => ({
          label: line.label,
          stroke: COLOURS[index % COLOURS.length],
          width: 2,
          dash: line.dash ? [6, 4] : undefined,
          spanGaps: Boolean(line.spanGaps),
          points: { show: xs.length <= 60 },
          value: (u, v) => (v === null || v === undefined ? "—" : format(v)),
        })),
      ],
    };
    const chart = new window.uPlot(opts, [xs, ...options.series.map((line) => line.values)], container);
    charts.set(container, chart);
    return chart;
  }

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      charts.forEach((chart, container) => chart.setSize({ width: width(container), height: chart.height }));
    }, 150);
  });

  window.StoryCharts = { time };
})();
