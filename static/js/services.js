// Services list: search as you type. After a short pause it asks
// /api/v1/services/search/?q= for the hits (typo tolerant) and re-renders the table from the
// catalog (/api/v1/services/?layer=, fetched once per layer, with methods and health).
// The server-rendered form works without this script.
(function () {
  "use strict";

  const card = document.getElementById("services-card");
  if (!card) return;
  const form = document.getElementById("services-filters");
  const input = form.querySelector('input[name="q"]');
  const layerSelect = form.querySelector('select[name="layer"]');
  const table = document.getElementById("services");
  const body = table.querySelector("tbody");
  const count = document.getElementById("services-count");
  const note = document.getElementById("services-note");
  const empty = document.getElementById("no-services");
  const errorBox = document.getElementById("services-error");
  const DEBOUNCE_MS = 250;
  const catalogs = new Map(); // layer -> Promise of the services list
  let timer = null;
  let generation = 0;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((response) => {
      if (!response.ok) {
        return response.json().catch(() => ({})).then((body) => {
          const error = new Error(body.message || `HTTP ${response.status}`);
          error.status = response.status;
          throw error;
        });
      }
      return response.json();
    });
  }

  function catalog(layer) {
    if (!catalogs.has(layer)) {
      const url = layer ? `${card.dataset.listUrl}?layer=${encodeURIComponent(layer)}` : card.dataset.listUrl;
      const promise = getJSON(url).then((body) => body.services);
      promise.catch(() => catalogs.delete(layer));
      catalogs.set(layer, promise);
    }
    return catalogs.get(layer);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function row(service, hit) {
    const tr = element("tr");
    tr.dataset.service = service.name;
    tr.dataset.layer = service.layer;
    const name = element("td");
    const link = element("a", "service-name", service.name);
    link.href = `${card.dataset.pageUrl}/${encodeURIComponent(service.name)}`;
    name.append(link);
    if (hit) {
      name.append(" ");
      const badge = element("span", `badge match match-${hit.match}`, hit.match);
      badge.title = `score ${Math.round(hit.score * 100)}`;
      name.append(badge);
    }
    name.append(element("div", "muted small description", service.description));
    const methods = element("td", "service-methods");
    (service.methods || []).forEach((method) => {
      methods.append(element("code", "method-name", method.name), " ");
    });
    const health = element("td");
    health.append(element("span", `status status-${service.health}`, service.health));
    tr.append(name, element("td", "service-layer", service.layer), methods, health);
    return tr;
  }

  function describe(found) {
    if (!found) return "By layer, then name.";
    return found.semantic === "used"
      ? "Best match first, by spelling and meaning."
      : `Best match first, by spelling (meaning unavailable: ${found.semantic_reason || "no embeddings"}).`;
  }

  function render(rows, q, layer, found) {
    body.replaceChildren(...rows);
    const filtered = Boolean(q || layer);
    count.textContent = `${rows.length} service${rows.length === 1 ? "" : "s"}${filtered ? " matching" : ""}`;
    note.textContent = describe(found);
    table.hidden = rows.length === 0;
    empty.hidden = rows.length !== 0;
    empty.textContent = "No service matches.";
  }

  function remember(q, layer) {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (layer) params.set("layer", layer);
    const query = params.toString();
    history.replaceState(null, "", query ? `${card.dataset.pageUrl}?${query}` : card.dataset.pageUrl);
  }

  function update() {
    const q = input.value.trim();
    const layer = layerSelect ? layerSelect.value : "";
    const mine = ++generation;
    const hits = q ? getJSON(`${card.dataset.searchUrl}?q=${encodeURIComponent(q)}`) : Promise.resolve(null);
    Promise.all([catalog(layer), hits])
      .then(([services, found]) => {
        if (mine !== generation) return; // a newer search answered first
        errorBox.hidden = true;
        const byName = new Map(services.map((service) => [service.name, service]));
        const rows = found
          ? found.results.filter((hit) => byName.has(hit.name)).map((hit) => row(byName.get(hit.name), hit))
          : services.map((service) => row(service, null));
        render(rows, q, layer, found);
        remember(q, layer);
      })
      .catch((error) => {
        if (mine !== generation) return;
        errorBox.textContent = error.status === 429
          ? "Searching too fast for the rate limit: wait a moment, or press Enter to search."
          : `Search failed (${error.message}); press Enter to search without live updates.`;
        errorBox.hidden = false;
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, DEBOUNCE_MS);
  }

  input.addEventListener("input", schedule);
  if (layerSelect) layerSelect.addEventListener("change", () => { clearTimeout(timer); update(); });
})();
