// 数据驾驶舱: ECharts (vendored in /static/vendor) from the stats embedded in the page; click → case list.
(function () {
  "use strict";
  var el = document.getElementById("stats-data");
  if (!el || !window.echarts) { return; }
  var stats = JSON.parse(el.textContent);
  var sevNames = { error: "错误", warning: "警告", info: "提示" };
  var sevColors = { error: "#c0392b", warning: "#e0a800", info: "#9aa5b1" };
  var tEl = document.getElementById("rule-titles");
  var ruleTitles = tEl ? JSON.parse(tEl.textContent) : {};
  document.querySelectorAll(".chart[data-chart]").forEach(function (div) {
    var key = div.getAttribute("data-chart"), filter = div.getAttribute("data-filter"), type = div.getAttribute("data-type");
    var pairs = stats[key] || [];
    var keys = pairs.map(function (p) { return p[0]; });
    var names = keys.map(function (k) {
      if (filter === "severity") { return sevNames[k] || k; }
      if (filter === "rule") { return ruleTitles[k] || k; }
      return k;
    });
    var values = pairs.map(function (p) { return p[1]; });
    var chart = echarts.init(div);
    var option;
    if (!pairs.length) {
      option = { title: { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#999", fontSize: 14 } } };
    } else if (type === "pie") {
      option = { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "70%"],
        data: pairs.map(function (p, i) {
          var d = { name: names[i], value: p[1], key: p[0] };
          if (filter === "severity" && sevColors[p[0]]) { d.itemStyle = { color: sevColors[p[0]] }; }
          return d;
        }) }] };
    } else if (type === "hbar") {
      var narrow = div.clientWidth < 500;
      option = { tooltip: {}, grid: { left: narrow ? 130 : 230, right: 20, top: 10, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: names.slice().reverse(),
          axisLabel: { width: narrow ? 120 : 220, overflow: "truncate" } },
        series: [{ type: "bar", data: values.slice().reverse(), itemStyle: { color: "#7a1f1f" } }] };
      keys = keys.slice().reverse();
    } else {
      option = { tooltip: { trigger: "axis" }, grid: { left: 40, right: 20, top: 20, bottom: 60 },
        xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        // one month is drawn as a bar: a line through a single point shows nothing
        series: [{ type: type === "line" && values.length > 1 ? "line" : "bar", data: values, symbolSize: 8,
          itemStyle: { color: "#7a1f1f" } }] };
    }
    chart.setOption(option);
    chart.on("click", function (p) {
      var k = (p.data && p.data.key) || keys[p.dataIndex];
      if (k !== undefined && k.charAt(0) !== "（") { location.href = "/cases?" + filter + "=" + encodeURIComponent(k); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
