// Small SVG line charts for the control center (no library: the pages work offline and
// under a strict CSP, so everything is built with DOM calls and styled from app.css).
//
//   Charts.line(container, {
//     series: [{ name: "p50", points: [[x, y], ...] }, ...],  // x: Date or number; y: number,
//                                                           // or null to break the line there
//     xLabel: "Time (UTC)", yLabel: "ms",
//     format: { x: (x) => "...", y: (y) => "..." },         // or one function, for y
//     xDomain: [min, max], yDomain: [min, max],             // optional; y starts at 0 by default
//     height: 240, empty: "No data yet.",
//   });
//
// It replaces the container's content with an <svg class="chart-svg"> (axes with ticks,
// grid lines, one path.chart-line and circle.chart-point per series, a <title> on every
// point as its tooltip) and an HTML legend; series i takes its colour from .chart-series-i.
// Charts redraw to their container's width when the window is resized.
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const MARGIN = { top: 12, right: 18, bottom: 42, left: 64 };
  const SECOND = 1000;
  const MINUTE = 60 * SECOND;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  const TIME_STEPS = [SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE,
    10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];
  const drawn = new Map(); // container -> options, for redrawing on resize

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, String(value)));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(name, attributes, content, parent) {
    const node = element(name, attributes, parent);
    node.textContent = content;
    return node;
  }

  // --- scales and ticks ------------------------------------------------------------------------

  function niceStep(range, count) {
    const raw = range / Math.max(count, 1);
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const leading = raw / magnitude;
    return (leading <= 1 ? 1 : leading <= 2 ? 2 : leading <= 5 ? 5 : 10) * magnitude;
  }

  function linearTicks(min, max, count) {
    const step = niceStep(max - min, count);
    const ticks = [];
    for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
      ticks.push(Number(value.toPrecision(12)));
    }
    return ticks;
  }

  // Ticks on round UTC times (every 5 minutes, every hour...), about `count` of them.
  function timeTicks(min, max, count) {
    const step = TIME_STEPS.find((candidate) => (max - min) / candidate <= count) || TIME_STEPS[TIME_STEPS.length - 1];
    const ticks = [];
    for (let value = Math.ceil(min / step) * step; value <= max; value += step) ticks.push(value);
    return { ticks, step };
  }

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function timeFormat(step) {
    return (ms) => {
      const date = new Date(ms);
      const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
      if (step < MINUTE) return `${clock}:${pad(date.getUTCSeconds())}`;
      if (step < DAY) return clock;
      return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
    };
  }

  function fullTime(ms) {
    return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
  }

  function compactNumber(value) {
    const size = Math.abs(value);
    if (size >= 1e9) return `${Number((value / 1e9).toPrecision(3))}G`;
    if (size >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
    if (size >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
    return String(Number(value.toPrecision(4)));
  }

  function extent(values, fallback) {
    if (!values.length) return fallback;
    return [Math.min(...values), Math.max(...values)];
  }

  // --- options ---------------------------------------------------------------------------------

  function normalise(options) {
    const series = (options.series || []).map((entry) => ({
      name: entry.name,
      points: (entry.points || [])
        .map(([x, y]) => [x instanceof Date ? x.getTime() : Number(x), y === null || y === undefined ? null : Number(y)])
        .filter(([x]) => Number.isFinite(x))
        .sort((a, b) => a[0] - b[0]),
    }));
    const firstX = (options.series || []).flatMap((entry) => entry.points || []).map((point) => point[0])[0];
    const time = options.xType ? options.xType === "time" : firstX instanceof Date;
    const format = typeof options.format === "function" ? { y: options.format } : options.format || {};
    return { ...options, series, time, format };
  }

  function domains(chart) {
    const points = chart.series.flatMap((entry) => entry.points);
    const xs = points.map((point) => point[0]);
    const ys = points.map((point) => point[1]).filter((y) => y !== null && Number.isFinite(y));
    let [x0, x1] = chart.xDomain ? chart.xDomain.map(Number) : extent(xs, [0, 1]);
    if (x0 === x1) { const half = chart.time ? MINUTE : 1; x0 -= half; x1 += half; }
    let [y0, y1] = chart.yDomain || [Math.min(0, ...ys), Math.max(0, ...ys)];
    if (y0 === y1) y1 = y0 + 1;
    const yTicks = linearTicks(y0, y1, 5);
    const step = yTicks.length > 1 ? yTicks[1] - yTicks[0] : niceStep(y1 - y0, 5);
    if (!chart.yDomain) y1 = Math.ceil(y1 / step) * step; // end on a tick
    const hasData = ys.length > 0;
    return { x0, x1, y0, y1, yTicks: hasData ? linearTicks(y0, y1, 5) : [y0], hasData };
  }

  // --- drawing ---------------------------------------------------------------------------------

  function drawAxes(svg, chart, scale, size) {
    const grid = element("g", { class: "chart-grid" }, svg);
    const yAxis = element("g", { class: "chart-axis chart-axis-y" }, svg);
    const formatY = chart.format.y || compactNumber;
    let previous = null;
    scale.yTicks.forEach((value) => {
      const label = formatY(value);
      if (label === previous) return; // a formatter that rounds (whole tokens) would repeat labels
      previous = label;
      const y = scale.y(value);
      element("line", { x1: MARGIN.left, x2: size.width - MARGIN.right, y1: y, y2: y }, grid);
      text("text", { x: MARGIN.left - 8, y, dy: "0.32em", "text-anchor": "end" }, label, yAxis);
    });
    const xAxis = element("g", { class: "chart-axis chart-axis-x" }, svg);
    const bottom = size.height - MARGIN.bottom;
    element("line", { class: "chart-baseline", x1: MARGIN.left, x2: size.width - MARGIN.right, y1: bottom, y2: bottom }, xAxis);
    const count = Math.max(2, Math.floor((size.width - MARGIN.left - MARGIN.right) / 90));
    const { ticks, step } = chart.time ? timeTicks(scale.x0, scale.x1, count) : { ticks: linearTicks(scale.x0, scale.x1, count) };
    const formatX = chart.format.x || (chart.time ? timeFormat(step) : compactNumber);
    ticks.forEach((value) => {
      const x = scale.x(value);
      element("line", { x1: x, x2: x, y1: bottom, y2: bottom + 5 }, xAxis);
      text("text", { x, y: bottom + 18, "text-anchor": "middle" }, formatX(value), xAxis);
    });
    if (chart.xLabel) {
      text("text", { class: "chart-label", x: (MARGIN.left + size.width - MARGIN.right) / 2, y: size.height - 4,
        "text-anchor": "middle" }, chart.xLabel, svg);
    }
    if (chart.yLabel) {
      const middle = (MARGIN.top + bottom) / 2;
      text("text", { class: "chart-label", transform: `translate(14 ${middle}) rotate(-90)`, "text-anchor": "middle" },
        chart.yLabel, svg);
    }
  }

  function drawSeries(svg, chart, scale, plotWidth) {
    const formatY = chart.format.y || compactNumber;
    const formatX = chart.format.x || (chart.time ? fullTime : compactNumber);
    chart.series.forEach((entry, index) => {
      // Points closer than a few pixels would make a bead chain: keep them (for their
      // tooltips) but show them only under the pointer.
      const dense = entry.points.length > plotWidth / 8 ? " chart-series-dense" : "";
      const group = element("g", { class: `chart-series chart-series-${index % 8}${dense}`, "data-series": entry.name }, svg);
      let d = "";
      let pen = "M";
      entry.points.forEach(([x, y]) => {
        if (y === null) { pen = "M"; return; }
        d += `${pen}${scale.x(x).toFixed(1)},${scale.y(y).toFixed(1)}`;
        pen = "L";
      });
      element("path", { class: "chart-line", d: d || "M0,0" }, group);
      entry.points.forEach(([x, y]) => {
        if (y === null) return;
        const point = element("circle", { class: "chart-point", cx: scale.x(x).toFixed(1), cy: scale.y(y).toFixed(1), r: 3 }, group);
        text("title", {}, `${entry.name}: ${formatY(y)} at ${formatX(x)}`, point);
      });
    });
  }

  function legend(chart) {
    const list = document.createElement("ul");
    list.className = "chart-legend";
    chart.series.forEach((entry, index) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `chart-swatch chart-series-${index % 8}`;
      item.append(swatch, document.createTextNode(entry.name));
      list.appendChild(item);
    });
    return list;
  }

  function render(container, options) {
    const chart = normalise(options);
    const size = { width: Math.max(280, container.clientWidth || 600), height: chart.height || 240 };
    const scale = domains(chart);
    const plotWidth = size.width - MARGIN.left - MARGIN.right;
    const plotHeight = size.height - MARGIN.top - MARGIN.bottom;
    scale.x = (x) => MARGIN.left + ((x - scale.x0) / (scale.x1 - scale.x0)) * plotWidth;
    scale.y = (y) => MARGIN.top + (1 - (y - scale.y0) / (scale.y1 - scale.y0)) * plotHeight;

    const svg = element("svg", { class: "chart-svg", width: size.width, height: size.height,
      viewBox: `0 0 ${size.width} ${size.height}`, role: "img" });
    const names = chart.series.map((entry) => entry.name).join(", ");
    text("title", {}, `${chart.yLabel || "Value"} over ${chart.xLabel || "x"}: ${names}`, svg);
    drawAxes(svg, chart, scale, size);
    drawSeries(svg, chart, scale, plotWidth);
    const parts = [svg, legend(chart)];
    if (!scale.hasData) {
      const empty = document.createElement("p");
      empty.className = "chart-empty muted small";
      empty.textContent = chart.empty || "No data in this window.";
      parts.push(empty);
    }
    container.classList.toggle("chart-no-data", !scale.hasData);
    container.replaceChildren(...parts);
    return svg;
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      drawn.forEach((options, container) => {
        if (container.isConnected) render(container, options); else drawn.delete(container);
      });
    }, 150);
  });

  window.Charts = {
    line(container, options) {
      drawn.set(container, options);
      return render(container, options);
    },
  };
})();
