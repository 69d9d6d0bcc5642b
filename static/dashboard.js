// Refresh the statistics in place every few seconds (the server renders them, charts included).
(function () {
  "use strict";
  var box = document.getElementById("dashboard");
  if (!box) return;
  function refresh() {
    fetch(box.dataset.src, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) throw new Error(res.status);
      return res.text();
    }).then(function (html) {
      box.innerHTML = html;
      var stamp = document.getElementById("refreshed");
      if (stamp) stamp.textContent = window.quizText("· cập nhật lúc %(time)s", {time: new Date().toLocaleTimeString(document.documentElement.lang)});
    }).catch(function () { /* keep the last figures; try again next time */ });
  }
  setInterval(refresh, (Number(box.dataset.interval) || 15) * 1000);
})();
