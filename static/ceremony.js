// The ceremony screen: the winners (listed from the lowest prize up) are hidden, then revealed one at a time
// with the space bar, the right arrow, Page Down (a presenter's clicker) or the button; the left arrow or Page Up
// hides the last one again. Without JavaScript every winner is shown.
(function () {
  "use strict";
  var list = document.getElementById("winners");
  if (!list) { return; }
  var items = Array.prototype.slice.call(list.querySelectorAll("li.winner"));
  var button = document.getElementById("reveal-next");
  var status = document.getElementById("reveal-status");
  var shown = 0;

  function update(announce) {
    items.forEach(function (item, i) { item.hidden = i >= shown; });
    button.disabled = shown >= items.length;
    var text = status.getAttribute("data-template").replace("{shown}", shown).replace("{total}", items.length);
    if (announce && shown > 0) {
      var last = items[shown - 1];
      text = last.querySelector(".winner-prize").textContent + ": " +
        last.querySelector(".winner-name").textContent + ". " + text;
    }
    status.textContent = text;
  }

  function step(delta) {
    var next = Math.min(items.length, Math.max(0, shown + delta));
    if (next === shown) { return; }
    shown = next;
    update(delta > 0);
    if (delta > 0) { items[shown - 1].scrollIntoView({block: "nearest"}); }
  }

  document.getElementById("ceremony-controls").hidden = false;
  document.getElementById("ceremony-help").hidden = false;
  list.classList.add("revealing");
  button.addEventListener("click", function () { step(1); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var onButton = event.target === button;
    if ((event.key === " " || event.key === "ArrowRight" || event.key === "PageDown") && !onButton) {
      event.preventDefault();
      step(1);
    } else if (event.key === "ArrowRight" || event.key === "PageDown") {
      event.preventDefault();
      step(1);  // on the button only the space bar and Enter click it
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      event.preventDefault();
      step(-1);
    }
  });
  update(false);
}());
