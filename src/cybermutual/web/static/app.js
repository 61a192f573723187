// The little the pages need from JavaScript; every page works without it.
(function () {
  "use strict";
  // Times are rendered in the viewer's time zone: tell the server which one it is.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("cm_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "cm_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: times stay in UTC */ }

  // Charts: <div class="chart" data-series='{"x": [...unix seconds], "y": [...], "label": "..."}'>
  function drawCharts(root) {
    if (typeof uPlot === "undefined") return;
    root.querySelectorAll("[data-series]:not([data-drawn])").forEach(function (el) {
      var data = JSON.parse(el.getAttribute("data-series"));
      var stroke = getComputedStyle(document.documentElement).getPropertyValue("--cm-accent").trim() || "#0f766e";
      var series = [{}].concat((data.lines || [{label: data.label, y: data.y}]).map(function (line, i) {
        return {label: line.label, stroke: line.stroke || stroke, width: 2, dash: line.dash, fill: i === 0 && data.fill ? stroke + "22" : undefined};
      }));
      var columns = [data.x].concat((data.lines || [{y: data.y}]).map(function (l) { return l.y; }));
      var width = Math.max(200, el.clientWidth || 300);
      // "band": [i, j]: shade between lines i and j (1-based), e.g. an interval around a median
      var bands = data.band ? [{series: [data.band[1], data.band[0]], fill: stroke + "22"}] : undefined;
      new uPlot({width: width, height: 240, series: series, bands: bands, scales: {x: {time: data.time !== false}},
                 axes: [{stroke: "currentColor"}, {stroke: "currentColor", size: data.precise ? 76 : undefined,
                   // "precise": small figures (a Gini's change) keep 3 significant digits, not "-0"
                   values: data.precise ? function (u, vals) {
                     return vals.map(function (v) { return v == null ? "" : String(Number(v.toPrecision(3))); });
                   } : undefined}]}, columns, el);
      el.setAttribute("data-drawn", "1");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawCharts(e.target); });
})();
