/* Dashboard charts: each <canvas data-chart="ID"> is drawn from the JSON of the <script id="ID"
   type="application/json"> block beside it (Django's json_script), so the page needs no inline script.
   Every chart repeats a table printed right below it, which stays the reference for screen readers. */
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#6c757d"];
  // QMS statuses from "not started" to "re-declared": grey, amber, blue, green, dark green.
  var STATUS_COLOURS = ["#adb5bd", "#ffc107", "#0dcaf0", "#198754", "#0f5132"];

  function colours(id, count) {
    var base = id === "chart-status" ? STATUS_COLOURS : PALETTE;
    var result = [];
    for (var i = 0; i < count; i++) {
      result.push(base[i % base.length]);
    }
    return result;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var palette = colours(canvas.dataset.chart, spec.datasets.length);
    var single = spec.datasets.length === 1 && spec.type === "bar";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = single ? colours("", spec.labels.length) : palette[index];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: single ? colour : palette[index],
        spanGaps: true,
        tension: 0.2
      };
    });
    var valueAxis = { beginAtZero: true, stacked: !!spec.stacked };
    if (spec.max) {
      valueAxis.max = spec.max;
    }
    var categoryAxis = { stacked: !!spec.stacked };
    var horizontal = !!spec.horizontal;
    var scales = horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        aspectRatio: horizontal ? Math.max(1.5, 6 / Math.max(spec.labels.length, 1)) : 2,
        animation: false,
        scales: scales,
        plugins: { legend: { display: !single, position: "bottom" } }
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
