// The quiz page: loads the attempt from the API, saves each answer as it is
// chosen (retrying until the server has it), counts down on the server's
// clock and submits at zero. Unsaved choices survive a reload in localStorage.
(function () {
  "use strict";
  var root = document.getElementById("quiz");
  if (!root) return;
  var attemptId = root.dataset.attemptId;
  var api = "/api/v1/attempts/" + attemptId;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var storeKey = "quiz-pending-" + attemptId;
  var modeKey = "quiz-show-all";
  var el = function (id) { return document.getElementById(id); };

  var attempt = null, answers = {}, pending = {}, inflight = {}, retryDelay = {};
  var clockOffset = 0, current = 0, submitting = false, finished = false, timer = null;
  var serverDown = false;  // the last answer was 503: the server cannot reach its database for now

  function readPending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function writePending() {
    try {
      if (Object.keys(pending).length) localStorage.setItem(storeKey, JSON.stringify(pending));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: memory only */ }
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: res.status, data: data, retryAfter: res.headers.get("Retry-After") };
      });
    });
  }

  function showError(message) {
    var box = el("quiz-error");
    box.textContent = message;
    box.hidden = !message;
  }

  // Seconds to wait after a 503, from its Retry-After (bounded), else 5.
  function retryAfterMs(res) {
    var s = parseInt(res.retryAfter, 10);
    return Math.min(60, Math.max(1, isNaN(s) ? 5 : s)) * 1000;
  }

  // A 503 (database unavailable) or its end: say so; unsaved answers stay in this browser meanwhile.
  function setServerDown(down, waitMs) {
    serverDown = down;
    var box = el("server-notice");
    if (!box) return;
    box.hidden = !down;
    if (down) {
      box.textContent = "Máy chủ đang tạm gián đoạn kết nối tới cơ sở dữ liệu. Các câu trả lời chưa lưu vẫn được " +
        "giữ trên máy này và sẽ được lưu tự động khi máy chủ hoạt động lại (thử lại sau " +
        Math.round(waitMs / 1000) + " giây). Bạn không cần tải lại trang.";
    }
  }

  function saveState() {
    var n = Object.keys(pending).length;
    var box = el("save-state");
    if (!attempt) return;
    if (n === 0) { box.textContent = "✓ Đã lưu tất cả câu trả lời"; box.className = "save-state saved"; }
    else if (serverDown) { box.textContent = "Máy chủ tạm gián đoạn – " + n + " câu chưa lưu, đã giữ trên máy này, sẽ tự lưu lại"; box.className = "save-state offline"; }
    else if (navigator.onLine === false) { box.textContent = "Mất kết nối – " + n + " câu chưa lưu, sẽ tự lưu lại"; box.className = "save-state offline"; }
    else { box.textContent = "Đang lưu " + n + " câu…"; box.className = "save-state saving"; }
    var unanswered = attempt.questions.filter(function (q) { return !answers[q.id]; }).length;
    el("unanswered").textContent = unanswered ? "Bạn còn " + unanswered + " câu chưa trả lời." : "Bạn đã trả lời tất cả các câu.";
    attempt.questions.forEach(function (q, i) {
      var b = el("nav-" + q.id);
      if (!b) return;
      b.classList.toggle("answered", !!answers[q.id]);
      b.classList.toggle("unsaved", !!pending[q.id]);
      b.classList.toggle("current", i === current && !showAll());
      var mark = el("mark-" + q.id);
      if (mark) mark.textContent = pending[q.id] ? "đang lưu…" : (answers[q.id] ? "đã lưu" : "");
    });
  }

  function send(qid) {
    if (finished || inflight[qid] || !pending[qid]) return;
    var option = pending[qid];
    inflight[qid] = true;
    request("PUT", api + "/answers/" + encodeURIComponent(qid), { option_id: option }).then(function (res) {
      inflight[qid] = false;
      if (res.status === 200) {
        if (pending[qid] === option) delete pending[qid];
        retryDelay[qid] = 0;
        if (serverDown) { setServerDown(false); Object.keys(pending).forEach(send); }
        writePending(); saveState();
        if (pending[qid]) send(qid);
      } else if (res.status === 409 || res.status === 404) {
        finish();
      } else if (res.status === 422 || res.status === 400) {
        delete pending[qid]; writePending(); saveState();
        showError((res.data && res.data.error && res.data.error.message) || "Câu trả lời không hợp lệ.");
      } else if (res.status === 401) {
        showError("Phiên đăng nhập đã hết. Vui lòng đăng nhập lại; các câu trả lời chưa lưu vẫn được giữ trên máy này.");
      } else if (res.status === 503) {
        var wait = retryAfterMs(res);
        setServerDown(true, wait); saveState();
        setTimeout(function () { send(qid); }, wait);
      } else { retry(qid); }
    }, function () { inflight[qid] = false; retry(qid); });
  }

  function retry(qid) {
    saveState();
    var delay = Math.min(10000, (retryDelay[qid] || 500) * 2);
    retryDelay[qid] = delay;
    setTimeout(function () { send(qid); }, delay);
  }

  function choose(qid, optionId) {
    answers[qid] = optionId;
    pending[qid] = optionId;
    writePending(); saveState(); send(qid);
  }

  function showAll() { return el("show-all").checked; }

  function render() {
    var nav = el("navigator"), box = el("questions");
    nav.innerHTML = ""; box.innerHTML = "";
    attempt.questions.forEach(function (q, i) {
      var b = document.createElement("button");
      b.type = "button"; b.id = "nav-" + q.id; b.textContent = String(i + 1);
      b.setAttribute("aria-label", "Câu " + (i + 1));
      b.addEventListener("click", function () { go(i); });
      nav.appendChild(b);

      var fs = document.createElement("fieldset");
      fs.className = "question card"; fs.id = "q-" + q.id; fs.dataset.index = i;
      var lg = document.createElement("legend");
      lg.textContent = "Câu " + (i + 1) + "/" + attempt.questions.length;
      var mark = document.createElement("span"); mark.className = "mark"; mark.id = "mark-" + q.id;
      lg.appendChild(mark);
      fs.appendChild(lg);
      var p = document.createElement("p"); p.className = "q"; p.textContent = q.text; fs.appendChild(p);
      q.options.forEach(function (o) {
        var label = document.createElement("label"); label.className = "option";
        var input = document.createElement("input");
        input.type = "radio"; input.name = "q" + q.id; input.value = o.id;
        input.checked = answers[q.id] === o.id;
        input.addEventListener("change", function () { choose(q.id, o.id); });
        var span = document.createElement("span"); span.textContent = o.text;
        label.appendChild(input); label.appendChild(span); fs.appendChild(label);
      });
      box.appendChild(fs);
    });
    layout();
  }

  function layout() {
    var all = showAll();
    Array.prototype.forEach.call(el("questions").children, function (fs, i) { fs.hidden = !all && i !== current; });
    el("pager").hidden = all;
    el("prev").disabled = current === 0;
    el("next").disabled = current === attempt.questions.length - 1;
    saveState();
  }

  function go(i) {
    current = Math.max(0, Math.min(attempt.questions.length - 1, i));
    if (showAll()) { var t = el("questions").children[current]; if (t) t.scrollIntoView({ behavior: "smooth" }); }
    layout();
  }

  function remainingMs() { return Date.parse(attempt.deadline) - (Date.now() + clockOffset); }

  function tick() {
    var ms = remainingMs();
    var s = Math.max(0, Math.ceil(ms / 1000));
    var text = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    el("countdown").textContent = text;
    el("countdown").parentNode.classList.toggle("low", s <= 60);
    if (ms <= 0 && !submitting) submit(true);
  }

  function predictionValue() {
    if (!el("prediction")) return { ok: true, value: undefined };  // a practice contest asks for none
    var raw = el("prediction").value.trim();
    if (raw === "") return { ok: true, value: undefined };
    var n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) return { ok: false };
    return { ok: true, value: n };
  }

  function submit(auto) {
    if (submitting || finished) return;
    var pred = predictionValue();
    if (el("prediction-error")) el("prediction-error").hidden = pred.ok || auto;
    if (!pred.ok && !auto) return;
    if (!auto) {
      var left = attempt.questions.filter(function (q) { return !answers[q.id]; }).length;
      var msg = left ? "Bạn còn " + left + " câu chưa trả lời. Vẫn nộp bài?" : "Nộp bài và kết thúc lượt thi?";
      if (!window.confirm(msg)) return;
    }
    submitting = true;
    el("submit").disabled = true;
    el("save-state").textContent = auto ? "Hết giờ – đang nộp bài…" : "Đang nộp bài…";
    var body = { answers: answers };
    if (pred.ok && pred.value !== undefined) body.prediction = pred.value;
    var attemptSubmit = function (delay) {
      request("POST", api + "/submit", body).then(function (res) {
        if (res.status === 200 || res.status === 404) { finish(); }
        else if (res.status === 503) {
          var wait = retryAfterMs(res);
          setServerDown(true, wait);
          el("save-state").textContent = "Máy chủ tạm gián đoạn – bài làm được giữ trên máy này, sẽ tự nộp lại";
          setTimeout(function () { attemptSubmit(delay); }, wait);
        }
        else if (res.status === 422 && !auto) {
          submitting = false; el("submit").disabled = false;
          showError((res.data && res.data.error && res.data.error.message) || "Không nộp được bài.");
        } else { setTimeout(function () { attemptSubmit(Math.min(10000, delay * 2)); }, delay); }
      }, function () {
        el("save-state").textContent = "Mất kết nối – đang thử nộp lại…";
        setTimeout(function () { attemptSubmit(Math.min(10000, delay * 2)); }, delay);
      });
    };
    attemptSubmit(1000);
  }

  function finish() {
    if (finished) return;
    finished = true;
    pending = {}; writePending();
    clearInterval(timer);
    window.location.href = root.dataset.resultUrl;
  }

  window.addEventListener("beforeunload", function (e) {
    if (!finished && Object.keys(pending).length) { e.preventDefault(); e.returnValue = ""; return ""; }
  });
  window.addEventListener("online", function () { Object.keys(pending).forEach(send); saveState(); });
  window.addEventListener("offline", saveState);
  el("prev").addEventListener("click", function () { go(current - 1); });
  el("next").addEventListener("click", function () { go(current + 1); });
  el("submit").addEventListener("click", function () { submit(false); });
  el("show-all").addEventListener("change", function () {
    try { localStorage.setItem(modeKey, showAll() ? "1" : ""); } catch (e) { /* ignore */ }
    layout();
  });
  try { el("show-all").checked = localStorage.getItem(modeKey) === "1"; } catch (e) { /* ignore */ }

  function load(delay) {
    var sentAt = Date.now();
    request("GET", api).then(function (res) {
      if (res.status !== 200) {
        if (res.status === 503) { setServerDown(true, retryAfterMs(res)); setTimeout(function () { load(delay); }, retryAfterMs(res)); return; }
        if (res.status >= 500) { setTimeout(function () { load(Math.min(10000, delay * 2)); }, delay); return; }
        showError((res.data && res.data.error && res.data.error.message) || "Không tải được bài thi.");
        return;
      }
      attempt = res.data.attempt;
      setServerDown(false);
      if (attempt.status !== "in_progress") { finish(); return; }
      // Server time at the midpoint of the round trip.
      clockOffset = Date.parse(attempt.server_time) - (sentAt + Date.now()) / 2;
      answers = attempt.answers || {};
      var ids = {};
      attempt.questions.forEach(function (q) { ids[q.id] = q; });
      pending = readPending();
      Object.keys(pending).forEach(function (qid) {
        if (!ids[qid]) delete pending[qid]; else answers[qid] = pending[qid];
      });
      writePending();
      var first = attempt.questions.findIndex(function (q) { return !answers[q.id]; });
      current = first < 0 ? 0 : first;
      render();
      Object.keys(pending).forEach(send);
      tick();
      timer = setInterval(tick, 250);
    }, function () {
      el("save-state").textContent = "Mất kết nối – đang thử tải lại…";
      setTimeout(function () { load(Math.min(10000, delay * 2)); }, delay);
    });
  }
  load(1000);
})();
