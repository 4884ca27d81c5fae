// Draws every <div class="bh-chart" data-chart="chart-KEY"> as a horizontal bar chart from the
// <script type="application/json" id="KEY"> next to it (labels, values). ECharts is vendored.
(function () {
  function draw(element) {
    var data = JSON.parse(document.getElementById(element.dataset.chart.replace(/^chart-/, "")).textContent);
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.labels, inverse: true },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#b7322c" }, label: { show: true, position: "right" } }],
      animation: false,
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.querySelectorAll(".bh-chart").forEach(draw);
})();
