// The pages' scripts speak the page's language: <body data-texts> holds the translations of their texts
// (quiz/web/locale.py, SCRIPT_TEXTS) keyed by the Vietnamese text; without it (Vietnamese) a text is itself.
window.quizText = (function () {
  "use strict";
  var texts = {};
  try { texts = JSON.parse(document.body.dataset.texts || "{}"); } catch (e) { texts = {}; }
  return function (text, values) {
    return (texts[text] || text).replace(/%\((\w+)\)s/g, function (m, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  };
})();
