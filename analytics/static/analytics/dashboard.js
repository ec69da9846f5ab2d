/* The admin home's charts, drawn by Chart.js (served from static files) from the figures the page
   embeds (#od-data). Right to left in Arabic: axes reversed, legends and tooltips RTL. */
(function () {
  "use strict";
  var source = document.getElementById("od-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var html = document.documentElement;
  var rtl = html.dir === "rtl";
  var lang = html.lang || "ar";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var money = function (value) { return number.format(value) + " " + data.text.currency; };
  var style = getComputedStyle(html);
  var fg = style.getPropertyValue("--body-fg").trim() || "#333";
  Chart.defaults.color = fg;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    locale: lang,
    plugins: { legend: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" }, tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" } }
  };
  new Chart(document.getElementById("od-trend"), {
    type: "bar",
    data: {
      labels: data.trend.labels,
      datasets: [
        { label: data.text.delivered, data: data.trend.delivered.map(Number), backgroundColor: "#2f7d5b", stack: "revenue", yAxisID: "y" },
        { label: data.text.in_progress, data: data.trend.in_progress.map(Number), backgroundColor: "#8cc5a9", stack: "revenue", yAxisID: "y" },
        { label: data.text.orders, data: data.trend.orders, type: "line", borderColor: "#c76b1d", backgroundColor: "#c76b1d", yAxisID: "orders", tension: 0.25 }
      ]
    },
    options: Object.assign({}, common, {
      scales: {
        x: { reverse: rtl, stacked: true },
        y: { position: rtl ? "right" : "left", stacked: true, ticks: { callback: function (v) { return number.format(v); } } },
        orders: { position: rtl ? "left" : "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
      },
      plugins: Object.assign({}, common.plugins, {
        tooltip: Object.assign({}, common.plugins.tooltip, {
          callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + (ctx.dataset.yAxisID === "y" ? money(ctx.parsed.y) : number.format(ctx.parsed.y)); } }
        })
      })
    })
  });
  new Chart(document.getElementById("od-status"), {
    type: "doughnut",
    data: {
      labels: data.status.labels,
      datasets: [{ data: data.status.counts, backgroundColor: ["#d9a400", "#b7791f", "#3182ce", "#6b46c1", "#2b6cb0", "#2f855a", "#a0aec0", "#c53030"] }]
    },
    options: Object.assign({}, common, { plugins: Object.assign({}, common.plugins, { legend: Object.assign({ position: rtl ? "left" : "right" }, common.plugins.legend) }) })
  });
  new Chart(document.getElementById("od-wilayas"), {
    type: "bar",
    data: { labels: data.wilayas.labels, datasets: [{ label: data.text.revenue, data: data.wilayas.revenue.map(Number), backgroundColor: "#2f7d5b" }] },
    options: Object.assign({}, common, {
      indexAxis: "y",
      scales: { x: { reverse: rtl, ticks: { callback: function (v) { return number.format(v); } } }, y: { position: rtl ? "right" : "left" } },
      plugins: Object.assign({}, common.plugins, {
        legend: { display: false },
        tooltip: Object.assign({}, common.plugins.tooltip, { callbacks: { label: function (ctx) { return money(ctx.parsed.x); } } })
      })
    })
  });
})();
