// jiancha pages: finding ↔ highlight navigation on the case page, progress polling on the batch page.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  window.jianchaCsrf = csrf;

  // ---------------------------------------------------------------- case page
  function select(idx, scroll) {
    document.querySelectorAll(".finding.active, mark.active").forEach(function (el) { el.classList.remove("active"); });
    document.querySelectorAll(".finding .detail").forEach(function (el) { el.hidden = true; });
    var item = document.getElementById("f" + idx);
    if (!item) { return; }
    item.classList.add("active");
    var detail = item.querySelector(".detail");
    if (detail) { detail.hidden = false; }
    var first = null;
    document.querySelectorAll("mark[data-f]").forEach(function (m) {
      if (m.getAttribute("data-f").split(" ").indexOf(String(idx)) >= 0) {
        m.classList.add("active");
        if (!first) { first = m; }
      }
    });
    if (scroll === "mark" && first) { first.scrollIntoView({ block: "center" }); }
    if (scroll === "item") { item.scrollIntoView({ block: "nearest" }); }
  }

  document.querySelectorAll(".finding").forEach(function (item) {
    item.addEventListener("click", function (ev) {
      if (ev.target.closest("form")) { return; }
      select(item.getAttribute("data-f"), "mark");
    });
  });
  document.querySelectorAll("mark[data-f]").forEach(function (m) {
    m.addEventListener("click", function () { select(m.getAttribute("data-f").split(" ")[0], "item"); });
  });
  if (location.hash && /^#f\d+$/.test(location.hash)) { select(location.hash.slice(2), "mark"); }

  // ---------------------------------------------------------------- batch page
  var batch = document.getElementById("batch");
  if (batch) {
    var id = batch.getAttribute("data-batch");
    var initial = batch.getAttribute("data-state");
    var labels = { queued: "排队中", running: "进行中", done: "已完成", cancelled: "已取消", failed: "失败" };
    var poll = function () {
      fetch("/api/v1/batches/" + encodeURIComponent(id), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          document.getElementById("b-state").textContent = labels[s.state] || s.state;
          document.getElementById("b-done").textContent = s.done;
          document.getElementById("b-total").textContent = s.total;
          document.getElementById("b-failed").textContent = s.failed ? "（失败 " + s.failed + "）" : "";
          var p = document.getElementById("b-progress");
          p.max = s.total || 1; p.value = s.done;
          if (s.state === "queued" || s.state === "running") { setTimeout(poll, 1000); }
          else if (s.state !== initial) { location.reload(); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    if (initial === "queued" || initial === "running") { setTimeout(poll, 500); }
  }
})();
