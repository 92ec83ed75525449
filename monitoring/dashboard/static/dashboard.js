// Draws every figure of a dashboard page: each <div class="figure" id="X"> has its Plotly JSON
// in <script type="application/json" id="X-data"> (a data block, never executed), so the page
// needs no inline script. When all are drawn, <body data-figures="ready"> tells tests and users.
(function () {
  "use strict";
  function draw() {
    var config = { displaylogo: false, responsive: true };
    var pending = Array.prototype.map.call(document.querySelectorAll("div.figure"), function (div) {
      var block = document.getElementById(div.id + "-data");
      var figure = JSON.parse(block.textContent);
      return Plotly.newPlot(div, figure.data, figure.layout, config);
    });
    Promise.all(pending).then(function () {
      document.body.dataset.figures = "ready";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
