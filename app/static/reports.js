/* Reports page: fetch the figures from the JSON endpoint named in data-src and draw them.
   Loaded as a file (CSP script-src 'self'); Chart.js comes from vendor/chartjs. */
(function () {
  "use strict";
  var root = document.getElementById("reports");
  if (!root || !window.Chart) { return; }
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  var COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2",
                 "#db2777", "#65a30d", "#475569", "#ea580c", "#0f766e", "#9333ea"];

  function datasets(series, type) {
    return Object.keys(series).sort().map(function (name, i) {
      var colour = COLOURS[i % COLOURS.length];
      return { label: name.replace(/_/g, " "), data: series[name], backgroundColor: colour,
               borderColor: colour, type: type, fill: false, tension: 0.2, pointRadius: 1 };
    });
  }

  function draw(id, type, labels, sets, extra) {
    var options = { scales: { x: { stacked: type === "bar" && !extra },
                              y: { stacked: type === "bar" && !extra, beginAtZero: true } },
                    plugins: { legend: { position: "bottom" } } };
    if (extra) { Object.assign(options.scales.y, extra); }
    new Chart(document.getElementById(id), { type: type, data: { labels: labels, datasets: sets },
                                             options: options });
  }

  function pick(table, keys, field, sub) {
    return keys.map(function (k) { var v = table[k][field]; return sub ? v[sub] : v; });
  }

  function render(d) {
    var ps = ["P1", "P2", "P3", "P4", "P5"];
    draw("chart-kind", "bar", d.labels, datasets(d.volume.kind, "bar"));
    draw("chart-service", "bar", d.labels, datasets(d.volume.service, "bar"));
    draw("chart-priority", "line", d.labels, datasets(d.volume.priority, "line"));
    draw("chart-times", "bar", ps, [
      { label: "MTTA (h)", data: pick(d.times, ps, "mtta_hours"), backgroundColor: COLOURS[0] },
      { label: "MTTR (h)", data: pick(d.times, ps, "mttr_hours"), backgroundColor: COLOURS[1] }
    ], { type: "logarithmic" });
    draw("chart-sla", "bar", ps, [
      { label: "response met %", data: pick(d.sla, ps, "response", "percent"), backgroundColor: COLOURS[2] },
      { label: "resolution met %", data: pick(d.sla, ps, "resolution", "percent"), backgroundColor: COLOURS[3] }
    ], { max: 100 });
    draw("chart-backlog", "bar", d.backlog.labels, datasets(d.backlog.series, "bar"));
    draw("chart-override", "line", d.override.labels, [
      { label: "override rate", data: d.override.rate, borderColor: COLOURS[4],
        backgroundColor: COLOURS[4] }
    ], { max: 1 });
    document.getElementById("report-summary").textContent =
      d.tickets + " tickets opened from " + d.from + " to " + d.to + " (per " + d.bucket + ")";
    root.setAttribute("data-ready", "true");
  }

  fetch(root.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("reports: HTTP " + r.status); } return r.json(); })
    .then(render)
    .catch(function (e) { document.getElementById("report-summary").textContent = String(e); });
}());
