// The province-then-ward picker (templates/_place_picker.html): choosing a province fills the ward list
// from GET /api/v1/localities?province=P. Without this script the form's "show" button asks the server.
(function () {
  "use strict";
  var t = window.quizText;
  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }
  function setUp(box) {
    var province = box.querySelector("select[name=province]");
    var ward = box.querySelector("select[name=locality_code]");
    var button = box.querySelector("[data-pick-province]");
    var status = box.querySelector("[data-place-status]");
    if (!province || !ward || !window.fetch) return;
    // Out of the form, not just hidden: Enter in any field must press the form's own submit button.
    var parent = button && button.parentNode, next = button && button.nextSibling;
    if (button) button.remove();
    var asked = 0;
    province.addEventListener("change", function () {
      var code = province.value;
      var mine = ++asked;
      ward.replaceChildren(option("", code ? t("Đang tải danh sách xã, phường…") : t("— Chọn tỉnh trước —")));
      status.textContent = "";
      if (!code) return;
      ward.disabled = true;
      fetch(box.dataset.wardsUrl + "?province=" + encodeURIComponent(code), {headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) {
          if (mine !== asked) return;
          var items = [option("", t("— Chọn xã, phường —"))];
          body.wards.forEach(function (w) { items.push(option(w.code, w.name)); });
          ward.replaceChildren.apply(ward, items);
          ward.disabled = false;
          status.textContent = t("Đã có %(n)s xã, phường, đặc khu của %(province)s.",
            {n: body.wards.length, province: province.options[province.selectedIndex].text});
        })
        .catch(function () {
          if (mine !== asked) return;
          ward.disabled = false;
          ward.replaceChildren(option("", t("— Chọn tỉnh trước —")));
          status.textContent = t("Không tải được danh sách xã, phường. Hãy bấm nút «Hiện danh sách xã, phường» bên dưới ô tỉnh.");
          if (button && !button.isConnected) parent.insertBefore(button, next);
        });
    });
  }
  document.querySelectorAll("[data-place-picker]").forEach(setUp);
})();
