// The organizer's contest and round forms: the chapter plan's total kept in view, prize tier rows added and
// removed. The server checks everything again; without this script the same fields work as they are.
(function () {
  "use strict";
  var total = document.getElementById("plan-total");
  if (total) {
    var counts = document.querySelectorAll("#plan input.count");
    var chosen = document.querySelector("#plan input[value=chapters]");
    var asked = document.getElementById("question_count");
    var update = function () {
      var sum = 0;
      counts.forEach(function (input) {
        var n = parseInt(input.value, 10);
        if (n > 0) sum += n;
      });
      var want = asked && parseInt(asked.value, 10);
      var text = want > 0 && want !== sum ? window.quizText("Tổng: %(n)s câu (khác số câu hỏi %(want)s)", {n: sum, want: want})
        : window.quizText("Tổng: %(n)s câu", {n: sum});
      total.textContent = text;
    };
    counts.forEach(function (input) {
      input.addEventListener("input", function () {
        if (chosen && input.value !== "") chosen.checked = true;  // typing a number means a plan of one's own
        update();
      });
    });
    if (asked) asked.addEventListener("input", update);
    update();
  }

  // Each table of tier rows (the prizes, the collective prizes) with the add button of its fieldset.
  document.querySelectorAll("tbody.tier-rows").forEach(function (body) {
    var set = body.closest("fieldset");
    var add = set && set.querySelector("button.add-tier");
    if (add) tierRows(body, add);
  });
})();

function tierRows(body, add) {
  "use strict";
  var rows = function () { return body.querySelectorAll("tr.tier"); };
  var wire = function (row) {
    var remove = row.querySelector(".remove-row");
    remove.hidden = false;
    remove.addEventListener("click", function () {
      var next = row.nextElementSibling || row.previousElementSibling;
      if (rows().length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
      var focus = (next && next.isConnected ? next : rows()[0]).querySelector("input");
      if (focus) focus.focus();
    });
  };
  rows().forEach(wire);
  add.hidden = false;
  add.addEventListener("click", function () {
    var all = rows();
    var last = all[all.length - 1];
    var index = 0;
    all.forEach(function (row) {
      var m = /-(\d+)-/.exec(row.querySelector("input").name);
      if (m) index = Math.max(index, parseInt(m[1], 10) + 1);
    });
    var row = last.cloneNode(true);
    row.classList.remove("has-error");
    row.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    row.querySelectorAll("input, label").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/-\d+-/, "-" + index + "-"));
      });
      if (el.tagName === "INPUT") {
        el.value = "";
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
      }
    });
    body.appendChild(row);
    wire(row);
    row.querySelector("input").focus();
  });
}
