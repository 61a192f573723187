// The little the pages need from JavaScript; every page works without it.
(function () {
  "use strict";
  // Times are rendered in the viewer's time zone: tell the server which one it is. The name goes
  // as it is ("Europe/Berlin": a slash is allowed in a cookie), never percent-encoded, which the
  // server would not recognise as a zone and so showed every time in UTC.
  try {
    var zone = (Intl.DateTimeFormat().resolvedOptions().timeZone || "").replace(/[^A-Za-z0-9_\/+-]/g, "");
    if (zone && document.cookie.split("; ").indexOf("cm_tz=" + zone) === -1) {
      document.cookie = "cm_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: times stay in UTC */ }

  // The chart colours come from the page's CSS variables, read when a chart is drawn, so a chart
  // follows the light or dark scheme like the text around it (a canvas cannot inherit colours).
  function palette() {
    var root = getComputedStyle(document.documentElement);
    var read = function (name, fallback) { return root.getPropertyValue(name).trim() || fallback; };
    return {
      accent: read("--cm-accent", "#0f766e"),
      text: getComputedStyle(document.body).color || read("--pico-color", "#373c44"),
      grid: read("--pico-muted-border-color", "rgba(128, 128, 128, 0.25)")
    };
  }

  // Charts: <div class="chart" data-series='{"x": [...unix seconds], "y": [...], "label": "..."}'>
  // (or "lines": [{"label", "y", "dash"}]; "time": false and "xlabel" for an x axis that is not time)
  function drawChart(el) {
    var data = JSON.parse(el.getAttribute("data-series"));
    var colours = palette();
    var stroke = colours.accent;
    // "xlabel": what the x axis counts when it is not time (e.g. "weeks from now")
    var series = [data.xlabel ? {label: data.xlabel} : {}].concat((data.lines || [{label: data.label, y: data.y}]).map(function (line, i) {
      return {label: line.label, stroke: line.stroke || stroke, width: 2, dash: line.dash, fill: i === 0 && data.fill ? stroke + "22" : undefined};
    }));
    var columns = [data.x].concat((data.lines || [{y: data.y}]).map(function (l) { return l.y; }));
    var width = Math.max(200, el.clientWidth || 300);
    // "band": [i, j]: shade between lines i and j (1-based), e.g. an interval around a median
    var bands = data.band ? [{series: [data.band[1], data.band[0]], fill: stroke + "22"}] : undefined;
    var axis = function (extra) {
      var base = {stroke: colours.text, grid: {stroke: colours.grid, width: 1}, ticks: {stroke: colours.grid, width: 1}};
      for (var key in extra) { if (extra[key] !== undefined) base[key] = extra[key]; }
      return base;
    };
    el._cmPlot = new uPlot({width: width, height: 240, series: series, bands: bands, scales: {x: {time: data.time !== false}},
      axes: [axis({label: data.xlabel, labelSize: data.xlabel ? 24 : undefined}), axis({size: data.precise ? 76 : undefined,
        // "precise": small figures (a Gini's change) keep 3 significant digits, not "-0"
        values: data.precise ? function (u, vals) {
          return vals.map(function (v) { return v == null ? "" : String(Number(v.toPrecision(3))); });
        } : undefined})]}, columns, el);
    el.setAttribute("data-drawn", "1");
  }

  function drawCharts(root) {
    if (typeof uPlot === "undefined") return;
    root.querySelectorAll("[data-series]:not([data-drawn])").forEach(drawChart);
  }

  function redrawAll() {
    document.querySelectorAll("[data-series][data-drawn]").forEach(function (el) {
      if (el._cmPlot) { el._cmPlot.destroy(); el._cmPlot = null; }
      el.removeAttribute("data-drawn");
    });
    drawCharts(document);
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawCharts(e.target); });
  // The system switches between light and dark: draw the charts again in the new colours.
  if (window.matchMedia) {
    var scheme = window.matchMedia("(prefers-color-scheme: dark)");
    if (scheme.addEventListener) scheme.addEventListener("change", redrawAll);
    else if (scheme.addListener) scheme.addListener(redrawAll);
  }
  // A turned phone or a resized window: charts take their box's new width.
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      document.querySelectorAll("[data-series][data-drawn]").forEach(function (el) {
        var width = Math.max(200, el.clientWidth || 300);
        if (el._cmPlot && el._cmPlot.width !== width) el._cmPlot.setSize({width: width, height: 240});
      });
    }, 150);
  });
})();
