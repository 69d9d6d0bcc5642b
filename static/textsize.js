// The larger-text button of base.html: with JavaScript it applies at once and writes the same cookie the server
// reads (quiz/web/preferences.py), so the next page comes with class="large-text" on <html> and never flashes.
(function () {
  var form = document.getElementById("text-size");
  if (!form) return;
  var button = form.querySelector("button");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var large = button.getAttribute("aria-pressed") !== "true";
    document.documentElement.classList.toggle("large-text", large);
    button.setAttribute("aria-pressed", large ? "true" : "false");
    button.value = large ? "0" : "1";
    document.cookie = form.dataset.cookie + "=" + (large ? "large" : "") + "; path=/; samesite=lax; max-age=" +
      (large ? form.dataset.maxAge : "0") + (location.protocol === "https:" ? "; secure" : "");
  });
})();
