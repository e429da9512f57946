// The console's own behaviour, small on purpose: the pages are server-rendered and htmx does
// the requests. Here: charts from their data attribute, countdowns, error answers shown.
(function () {
  "use strict";

  // htmx swaps error answers too: the console's error answers are alerts aimed at #flash.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "[45]..", swap: true, error: true },
      ];
    }
  });

  // Charts: <div class="chart" data-chart='{ECharts option}'> (echarts.min.js on the page).
  const charts = new Set();
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      if (element.dataset.drawn) return;
      element.dataset.drawn = "1";
      const chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption(JSON.parse(element.dataset.chart));
      charts.add(chart);
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  // Countdowns: <time data-due="ISO">: "2 h 05 min left" / "overdue by 12 min".
  function describe(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    const text = days ? days + " d " + hours + " h" : hours ? hours + " h " + String(rest).padStart(2, "0") + " min" : rest + " min";
    return ms >= 0 ? text + " left" : "overdue by " + text;
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (element) {
      if (element.dataset.frozen) return;
      const due = Date.parse(element.dataset.due);
      if (!isNaN(due)) element.textContent = describe(due - Date.now());
    });
  }

  function refresh(root) { drawCharts(root); tick(); }
  document.addEventListener("DOMContentLoaded", function () { refresh(document); setInterval(tick, 15000); });
  document.addEventListener("htmx:afterSettle", function (event) { refresh(event.target); });
})();
