/*
 * Recognition charts, drawn from the table of numbers already on the page (strict CSP: no inline
 * script, no data only the chart shows). Markup:
 *
 *   <div data-chart-container hidden>
 *     <canvas data-chart-table="#table-id" role="img" aria-label="…"></canvas>
 *   </div>
 *   <details data-chart-numbers open> … <table id="table-id">
 *     <thead><tr><th>Month</th><th data-series="kudos">Kudos</th>…</tr></thead>
 *     <tbody><tr><th scope="row">Jan 2025</th><td>3</td>…</tr>…</tbody>
 *   </table></details>
 *
 * Each column header with `data-series` becomes a bar series; each body row a month. Without
 * JavaScript (or Chart.js) the chart stays hidden and the table stays open. Once drawn, the table
 * folds away behind its summary, one click from the numbers.
 *
 *   <button type="button" data-print>  opens the browser's print dialog (the printable page)
 */
(function () {
  "use strict";

  // The theme's teal, and an amber that keeps AA contrast against white and beside the teal.
  var COLOURS = ["#0f766e", "#b45309", "#4f46e5"];
  var PHONE_WIDTH = 576;

  function number(cell) {
    var value = parseInt(cell.textContent.replace(/[^\d-]/g, ""), 10);
    return isNaN(value) ? 0 : value;
  }

  function readTable(table) {
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var series = [];
    headers.forEach(function (header, column) {
      if (header.hasAttribute("data-series")) series.push({ label: header.textContent.trim(), column: column });
    });
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    return {
      labels: rows.map(function (row) { return row.cells[0].textContent.trim(); }),
      datasets: series.map(function (item, index) {
        return {
          label: item.label,
          data: rows.map(function (row) { return number(row.cells[item.column]); }),
          backgroundColor: COLOURS[index % COLOURS.length],
          borderRadius: 3,
          maxBarThickness: 28
        };
      })
    };
  }

  function draw(canvas) {
    var table = document.querySelector(canvas.getAttribute("data-chart-table"));
    var container = canvas.closest("[data-chart-container]");
    if (!table || !container || typeof window.Chart === "undefined") return;
    container.hidden = false;
    // Chart.js sizes the canvas from its parent, which must hold nothing else.
    container.style.position = "relative";
    var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: readTable(table),
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: container.clientWidth < PHONE_WIDTH ? 1.4 : 2,
        animation: reduceMotion ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
    var numbers = table.closest("[data-chart-numbers]");
    if (numbers) numbers.open = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart-table]").forEach(draw);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
