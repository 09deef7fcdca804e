// Report charts (Chart.js, served from static/vendor); data comes from a data-attribute
// because the CSP forbids inline scripts.
(function () {
  "use strict";
  var holder = document.getElementById("report-charts");
  if (!holder || typeof Chart === "undefined") { return; }
  var data = JSON.parse(holder.getAttribute("data-chart"));
  var palette = ["#c8102e", "#0b57d0", "#1d7a46", "#a15c00", "#6b3fa0"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  new Chart(document.getElementById("chart-targets"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.actualLabel, data: data.actual, backgroundColor: "#c8102e" },
        { label: data.targetLabel, data: data.target.map(function (v) { return v === null ? 0 : v; }),
          backgroundColor: "#d9dee8" }
      ]
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  var series = Object.keys(data.cumulative).map(function (name, i) {
    return { label: name, data: data.cumulative[name], borderColor: palette[i % palette.length],
             backgroundColor: palette[i % palette.length], tension: 0.2, fill: false };
  });
  new Chart(document.getElementById("chart-progress"), {
    type: "line",
    data: { labels: data.months, datasets: series },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  new Chart(document.getElementById("chart-occupation"), {
    type: "bar",
    data: {
      // "name (code)" on two lines: one line was cut off at the left of a phone's chart.
      labels: data.occupation.labels.map(function (label) {
        var at = label.indexOf(" (");
        return at > 0 ? [label.slice(0, at), label.slice(at + 1)] : label;
      }),
      datasets: [
        { label: data.titles.trained, data: data.occupation.trained, backgroundColor: palette[1] },
        { label: data.titles.certified, data: data.occupation.certified, backgroundColor: palette[2] },
        { label: data.titles.employed, data: data.occupation.employed, backgroundColor: palette[0] }
      ]
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  holder.setAttribute("data-rendered", "true");
})();
