/* Funding dashboard charts, drawn with the vendored Chart.js (static/vendor/chartjs-*).
   Each <canvas data-chart="ID"> reads its data from <script type="application/json" id="ID">
   (Django's json_script). Every chart also has its figures in the table under it, so the
   page reads the same without JavaScript; the charts only add a picture.
   Colour never carries meaning alone: each series has its own fill pattern (solid, stripes,
   dots, cross-hatch, ...), shown in the legend, and every bar is labelled with its value. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return; // Without Chart.js the tables under each chart still hold every figure.
  }
  var Chart = window.Chart;

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"];
  var PATTERNS = ["solid", "stripes", "dots", "cross", "lines", "zigzag", "solid"];

  function pattern(colour, kind) {
    if (kind === "solid") {
      return colour;
    }
    var size = 10;
    var tile = document.createElement("canvas");
    tile.width = size;
    tile.height = size;
    var c = tile.getContext("2d");
    c.fillStyle = colour;
    c.fillRect(0, 0, size, size);
    c.strokeStyle = "rgba(255,255,255,0.85)";
    c.fillStyle = "rgba(255,255,255,0.9)";
    c.lineWidth = 2;
    c.beginPath();
    if (kind === "stripes") {
      c.moveTo(0, size);
      c.lineTo(size, 0);
      c.moveTo(-2, 2);
      c.lineTo(2, -2);
      c.moveTo(size - 2, size + 2);
      c.lineTo(size + 2, size - 2);
      c.stroke();
    } else if (kind === "dots") {
      c.arc(size / 2, size / 2, 2, 0, 2 * Math.PI);
      c.fill();
    } else if (kind === "cross") {
      c.moveTo(0, 0);
      c.lineTo(size, size);
      c.moveTo(size, 0);
      c.lineTo(0, size);
      c.stroke();
    } else if (kind === "lines") {
      c.moveTo(0, size / 2);
      c.lineTo(size, size / 2);
      c.stroke();
    } else if (kind === "zigzag") {
      c.moveTo(0, size * 0.75);
      c.lineTo(size / 2, size * 0.25);
      c.lineTo(size, size * 0.75);
      c.stroke();
    }
    return c.createPattern(tile, "repeat");
  }

  // 1234567 -> "1.23m", 45600 -> "45.6k": short labels on bars; the table has exact figures.
  function compact(value) {
    var n = Number(value);
    var abs = Math.abs(n);
    if (abs >= 1e9) return (n / 1e9).toFixed(2).replace(/\.?0+$/, "") + "bn";
    if (abs >= 1e6) return (n / 1e6).toFixed(2).replace(/\.?0+$/, "") + "m";
    if (abs >= 1e4) return (n / 1e3).toFixed(1).replace(/\.?0+$/, "") + "k";
    return n.toLocaleString("en-GB", { maximumFractionDigits: 2 });
  }

  function full(value) {
    return Number(value).toLocaleString("en-GB", { maximumFractionDigits: 2 });
  }

  // Writes each bar's value next to it, on a white box so it reads over any pattern.
  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var horizontal = chart.options.indexAxis === "y";
      var stacked = !!(chart.options.scales.x && chart.options.scales.x.stacked);
      ctx.save();
      ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      ctx.textBaseline = "middle";
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        meta.data.forEach(function (bar, j) {
          var value = dataset.data[j];
          if (!value) return;
          var text = compact(value);
          var width = ctx.measureText(text).width + 6;
          var p = bar.getProps(["x", "y", "base", "width"], true);
          var x;
          var y;
          if (!stacked && !horizontal && width > p.width + 4) {
            // Too wide for the bar: written upwards from its top, so neighbours never overlap.
            ctx.save();
            ctx.translate(p.x, p.y - 3);
            ctx.rotate(-Math.PI / 2);
            ctx.fillStyle = "rgba(255,255,255,0.92)";
            ctx.fillRect(0, -7, width, 14);
            ctx.fillStyle = "#212529";
            ctx.textAlign = "left";
            ctx.fillText(text, 3, 0);
            ctx.restore();
            return;
          }
          if (stacked) {
            if (Math.abs(p.base - p.y) < 16) return; // too thin: the table has it
            x = p.x;
            y = (p.y + p.base) / 2;
          } else if (horizontal) {
            x = p.x + width / 2 + 4;
            y = p.y;
          } else {
            x = p.x;
            y = p.y - 10;
          }
          ctx.fillStyle = "rgba(255,255,255,0.92)";
          ctx.fillRect(x - width / 2, y - 8, width, 16);
          ctx.fillStyle = "#212529";
          ctx.textAlign = "center";
          ctx.fillText(text, x, y);
        });
      });
      ctx.restore();
    },
  };

  function configFor(spec) {
    var horizontal = !!spec.horizontal;
    var stacked = !!spec.stacked;
    var twoAxes = spec.datasets.some(function (d) {
      return d.axis === "count";
    });
    var valueAxis = horizontal ? "x" : "y";
    var datasets = spec.datasets.map(function (d, i) {
      var style = typeof d.style === "number" ? d.style : i; // a series keeps its look
      var colour = COLOURS[style % COLOURS.length];
      var set = {
        label: d.label,
        data: d.data.map(Number), // exact decimal text from the server; a coordinate here
        backgroundColor: pattern(colour, PATTERNS[style % PATTERNS.length]),
        borderColor: colour,
        borderWidth: 1,
      };
      if (twoAxes) {
        set.yAxisID = d.axis === "count" ? "count" : "y";
      }
      return set;
    });
    var scales = {};
    scales[horizontal ? "y" : "x"] = { stacked: stacked, ticks: { autoSkip: false } };
    // Narrow bars get upright labels (see valueLabels): leave them headroom above the bars.
    var upright = !horizontal && !stacked;
    scales[valueAxis] = {
      stacked: stacked,
      beginAtZero: true,
      grace: upright ? "30%" : "12%",
      title: { display: !!spec.unit, text: spec.unit },
      ticks: { callback: compact },
    };
    if (stacked) {
      scales.x.stacked = true;
      scales.y.stacked = true;
      scales.y.ticks = { precision: 0 };
      scales.y.title = { display: true, text: "Activities" };
    }
    if (twoAxes) {
      scales.count = {
        position: "right",
        beginAtZero: true,
        grace: "30%",
        grid: { drawOnChartArea: false },
        ticks: { precision: 0 },
        title: { display: true, text: "Activities" },
      };
    }
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      plugins: [valueLabels],
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false, // slow devices, and nothing to gain from motion here
        layout: { padding: { top: 8, right: horizontal ? 48 : 8 } },
        scales: scales,
        plugins: {
          legend: {
            display: spec.datasets.length > 1,
            position: "bottom",
            labels: { boxWidth: 28, boxHeight: 14 },
          },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + full(item.raw);
              },
            },
          },
        },
      },
    };
  }

  function draw() {
    Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    Chart.defaults.color = "#343a40";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      if (!spec.labels || !spec.labels.length) return;
      new Chart(canvas, configFor(spec));
      canvas.setAttribute("data-drawn", "true");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
