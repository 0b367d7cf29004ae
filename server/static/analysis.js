// 专题分析: one ECharts chart (vendored in /static/vendor) from the figures embedded in the page.
(function () {
  "use strict";
  var el = document.getElementById("analysis-data"), div = document.getElementById("analysis-chart");
  if (!el || !div || !window.echarts) { return; }
  var c = JSON.parse(el.textContent);
  var chart = echarts.init(div);
  var colors = ["#7a1f1f", "#e0a800", "#9aa5b1", "#2f6f4f"];
  var option;
  if (!c.labels || !c.labels.length) {
    option = { title: { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#999", fontSize: 14 } } };
  } else {
    var horizontal = c.type === "hbar", narrow = div.clientWidth < 500;
    var cat = { type: "category", data: horizontal ? c.labels.slice().reverse() : c.labels,
      axisLabel: horizontal ? { width: narrow ? 120 : 260, overflow: "truncate" } : { rotate: c.labels.length > 6 ? 30 : 0, width: 120, overflow: "truncate" } };
    var val = { type: "value", minInterval: 1 };
    option = { color: colors, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: horizontal ? { left: narrow ? 130 : 270, right: 20, top: 30, bottom: 20 } : { left: 40, right: 20, top: 40, bottom: 80 },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? cat : val,
      series: c.series.map(function (s) {
        return { name: s.name, type: "bar", stack: c.type === "bar" ? undefined : "all",
          data: horizontal ? s.data.slice().reverse() : s.data };
      }) };
  }
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
})();
