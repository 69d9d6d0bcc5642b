// "Báo lỗi câu hỏi" on the quiz and review pages: any button with data-report-question opens the page's
// #report-dialog (templates/_report_dialog.html), which sends the message to the API and, once sent, closes,
// says so in #report-status and gives the focus back to the button. Its texts come from the dialog's data-.
(function () {
  "use strict";
  var dialog = document.getElementById("report-dialog");
  if (!dialog) return;
  var form = document.getElementById("report-form");
  var message = document.getElementById("report-message");
  var error = document.getElementById("report-error");
  var send = document.getElementById("report-send");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var opener = null;

  function showError(text) { error.textContent = text || ""; error.hidden = !text; }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-report-question]") : null;
    if (!button) return;
    opener = button;
    document.getElementById("report-which").textContent = "(" + button.dataset.reportLabel + ")";
    message.value = ""; showError(""); send.disabled = false;
    dialog.showModal();
    message.focus();
  });

  document.getElementById("report-cancel").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { if (opener) opener.focus(); });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!message.value.trim()) { showError(dialog.dataset.empty); message.focus(); return; }
    send.disabled = true;
    fetch(dialog.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ question_id: opener.dataset.reportQuestion, message: message.value })
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        send.disabled = false;
        if (res.status === 201) {
          var label = opener.dataset.reportLabel;
          dialog.close();
          document.getElementById("report-status").textContent = dialog.dataset.sent.replace("{label}", label);
          return;
        }
        showError((data && data.error && data.error.message) || dialog.dataset.failed);
        message.focus();
      });
    }, function () { send.disabled = false; showError(dialog.dataset.failed); });
  });
})();
