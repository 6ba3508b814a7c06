// Dashboard: redraw the health table whenever system:health reports.
(function () {
  "use strict";
  function badge(status) {
    const span = document.createElement("span");
    span.className = `status status-${status}`;
    span.textContent = status;
    return span;
  }

  function render(report) {
    const overall = document.getElementById("overall");
    overall.className = `status status-${report.status}`;
    overall.textContent = report.status;
    const body = document.querySelector("#dependencies tbody");
    body.replaceChildren(...report.dependencies.map((dep) => {
      const row = document.createElement("tr");
      row.dataset.dependency = dep.name;
      const cells = [dep.name, null, dep.critical ? "yes" : "no", `${dep.latency_ms} ms`, dep.error || ""];
      cells.forEach((value, index) => {
        const cell = document.createElement("td");
        if (index === 1) cell.append(badge(dep.status)); else cell.textContent = value;
        if (index === 3) cell.className = "num";
        if (index === 4) cell.className = "muted";
        row.append(cell);
      });
      return row;
    }));
    document.getElementById("health-updated").textContent = `Last update ${new Date().toLocaleTimeString()}.`;
    refreshLayers();
  }

  // Layer statuses derive from the same checks with per-layer criticality; ask the server.
  async function refreshLayers() {
    const response = await fetch("/api/v1/layers/", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { layers } = await response.json();
    layers.forEach((layer) => {
      const tile = document.querySelector(`[data-layer="${layer.code}"] .status`);
      if (tile) { tile.className = `status status-${layer.status}`; tile.textContent = layer.status; }
    });
  }

  function start() {
    window.StoryFeed.on("system:health", (message) => render(message.payload));
  }
  if (window.StoryFeed) start(); else window.addEventListener("load", start);
})();
