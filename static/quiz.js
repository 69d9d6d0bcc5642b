// The quiz page: loads the attempt from the API, saves each answer as it is
// chosen (retrying until the server has it), counts down on the server's
// clock and submits at zero. Unsaved choices survive a reload in localStorage, and so do the questions
// flagged for review. Screen readers hear the time left only at 5 minutes, 1 minute, 30 seconds and zero.
// Its texts come translated from the page (data-strings): none are written here.
(function () {
  "use strict";
  var t = window.quizText;
  var root = document.getElementById("quiz");
  if (!root) return;
  var attemptId = root.dataset.attemptId;
  var api = "/api/v1/attempts/" + attemptId;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var storeKey = "quiz-pending-" + attemptId;
  var modeKey = "quiz-show-all";
  var flagKey = "quiz-flags-" + attemptId;
  var strings = JSON.parse(root.dataset.strings);
  // Seconds left at which the time is announced, with the text and the region (assertive near the end).
  var ANNOUNCE = [[300, "left_5m", "time-polite"], [60, "left_1m", "time-polite"],
                  [30, "left_30s", "time-assertive"], [0, "time_up", "time-assertive"]];
  var el = function (id) { return document.getElementById(id); };

  var attempt = null, answers = {}, pending = {}, inflight = {}, retryDelay = {};
  var clockOffset = 0, current = 0, submitting = false, finished = false, timer = null;
  var serverDown = false;  // the last answer was 503: the server cannot reach its database for now
  var flags = {}, announced = -1;  // announced: the last index of ANNOUNCE said (or already past at load)

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? String(values[k]) : m; });
  }
  function questionName(i) { return fill(strings.question, { n: i + 1 }); }

  function readFlags() {
    try { return JSON.parse(localStorage.getItem(flagKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function writeFlags() {
    try {
      if (Object.keys(flags).length) localStorage.setItem(flagKey, JSON.stringify(flags));
      else localStorage.removeItem(flagKey);
    } catch (e) { /* private mode: memory only */ }
  }

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
      box.textContent = t("Máy chủ đang tạm gián đoạn kết nối tới cơ sở dữ liệu. Các câu trả lời chưa lưu vẫn được " +
        "giữ trên máy này và sẽ được lưu tự động khi máy chủ hoạt động lại (thử lại sau %(n)s giây). Bạn không " +
        "cần tải lại trang.", {n: Math.round(waitMs / 1000)});
    }
  }

  function saveState() {
    var n = Object.keys(pending).length;
    var box = el("save-state");
    if (!attempt) return;
    if (n === 0) { box.textContent = t("✓ Đã lưu tất cả câu trả lời"); box.className = "save-state saved"; }
    else if (serverDown) { box.textContent = t("Máy chủ tạm gián đoạn – %(n)s câu chưa lưu, đã giữ trên máy này, sẽ tự lưu lại", {n: n}); box.className = "save-state offline"; }
    else if (navigator.onLine === false) { box.textContent = t("Mất kết nối – %(n)s câu chưa lưu, sẽ tự lưu lại", {n: n}); box.className = "save-state offline"; }
    else { box.textContent = t("Đang lưu %(n)s câu…", {n: n}); box.className = "save-state saving"; }
    var unanswered = attempt.questions.filter(function (q) { return !answers[q.id]; }).length;
    el("unanswered").textContent = unanswered ? t("Bạn còn %(n)s câu chưa trả lời.", {n: unanswered}) : t("Bạn đã trả lời tất cả các câu.");
    attempt.questions.forEach(function (q, i) {
      var b = el("nav-" + q.id);
      if (!b) return;
      b.classList.toggle("answered", !!answers[q.id]);
      b.classList.toggle("unsaved", !!pending[q.id]);
      b.classList.toggle("current", i === current && !showAll());
      b.classList.toggle("flagged", !!flags[q.id]);
      if (i === current && !showAll()) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
      var name = [questionName(i)];
      if (answers[q.id]) name.push(strings.answered);
      if (flags[q.id]) name.push(strings.flagged);
      b.setAttribute("aria-label", name.join(", "));
      var toggle = el("flag-" + q.id);
      if (toggle) toggle.setAttribute("aria-pressed", flags[q.id] ? "true" : "false");
      var mark = el("mark-" + q.id);
      if (mark) mark.textContent = pending[q.id] ? t("đang lưu…") : (answers[q.id] ? t("đã lưu") : "");
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
        showError((res.data && res.data.error && res.data.error.message) || t("Câu trả lời không hợp lệ."));
      } else if (res.status === 401) {
        showError(t("Phiên đăng nhập đã hết. Vui lòng đăng nhập lại; các câu trả lời chưa lưu vẫn được giữ trên máy này."));
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

  // Under each question: flag it to come back to it, report a problem with it (static/report.js).
  function tools(q, i) {
    var box = document.createElement("div"); box.className = "q-tools";
    var flag = document.createElement("button");
    flag.type = "button"; flag.id = "flag-" + q.id; flag.className = "flag-toggle";
    flag.setAttribute("aria-pressed", flags[q.id] ? "true" : "false");
    flag.textContent = strings.flag;
    flag.addEventListener("click", function () {
      if (flags[q.id]) delete flags[q.id]; else flags[q.id] = true;
      writeFlags(); saveState();
    });
    var report = document.createElement("button");
    report.type = "button"; report.className = "report-open"; report.textContent = strings.report;
    report.dataset.reportQuestion = q.id; report.dataset.reportLabel = questionName(i);
    box.appendChild(flag); box.appendChild(report);
    return box;
  }

  function render() {
    var nav = el("navigator"), box = el("questions");
    nav.innerHTML = ""; box.innerHTML = "";
    attempt.questions.forEach(function (q, i) {
      var b = document.createElement("button");
      b.type = "button"; b.id = "nav-" + q.id; b.textContent = String(i + 1);
      b.addEventListener("click", function () { go(i, true); });
      nav.appendChild(b);

      var fs = document.createElement("fieldset");
      fs.className = "question card"; fs.id = "q-" + q.id; fs.dataset.index = i; fs.tabIndex = -1;
      var lg = document.createElement("legend");
      lg.textContent = t("Câu %(n)s/%(total)s", {n: i + 1, total: attempt.questions.length});
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
      fs.appendChild(tools(q, i));
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

  // Show question i; ``focus``: move the keyboard there too (the navigator, the submit dialog's links).
  function go(i, focus) {
    current = Math.max(0, Math.min(attempt.questions.length - 1, i));
    var t = el("questions").children[current];
    if (showAll() && t) t.scrollIntoView({ behavior: "smooth" });
    layout();
    if (focus && t) t.focus();
  }

  function remainingMs() { return Date.parse(attempt.deadline) - (Date.now() + clockOffset); }

  function tick() {
    var ms = remainingMs();
    var s = Math.max(0, Math.ceil(ms / 1000));
    var text = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    el("countdown").textContent = text;
    el("countdown").parentNode.classList.toggle("low", s <= 60);
    announce(s);
    if (ms <= 0 && !submitting) submit(true);
  }

  // The index of the last announcement whose time has come at s seconds left (-1: none yet).
  function due(s) {
    var last = -1;
    ANNOUNCE.forEach(function (a, i) { if (s <= a[0]) last = i; });
    return last;
  }

  // Say the time left in its live region once each point is reached; the visible countdown is not live.
  function announce(s) {
    var now = due(s);
    if (now <= announced) return;
    announced = now;
    var a = ANNOUNCE[now];
    el(a[2]).textContent = strings[a[1]];
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
    if (!auto) { confirmSubmit(); return; }
    sendSubmit(pred, auto);
  }

  // The links of the submit dialog: one per question, each closing the dialog and going to its question.
  function jumpList(section, items) {
    var list = section.querySelector("ul");
    list.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "#q-" + item.q.id; a.textContent = questionName(item.i);
      a.addEventListener("click", function (e) {
        e.preventDefault();
        el("submit-dialog").close();
        go(item.i, true);
      });
      li.appendChild(a); list.appendChild(li);
    });
    section.hidden = !items.length;
  }

  function confirmSubmit() {
    var all = attempt.questions.map(function (q, i) { return { q: q, i: i }; });
    var left = all.filter(function (x) { return !answers[x.q.id]; });
    var flagged = all.filter(function (x) { return flags[x.q.id]; });
    el("submit-summary").textContent = left.length || flagged.length ?
      fill(strings.summary_left, { left: left.length, flagged: flagged.length }) : strings.summary_done;
    jumpList(el("submit-flagged"), flagged);
    jumpList(el("submit-unanswered"), left);
    el("submit-dialog").showModal();
    el("cancel-submit").focus();
  }

  function sendSubmit(pred, auto) {
    if (el("submit-dialog").open) el("submit-dialog").close();
    submitting = true;
    el("submit").disabled = true;
    el("save-state").textContent = auto ? t("Hết giờ – đang nộp bài…") : t("Đang nộp bài…");
    var body = { answers: answers };
    if (pred.ok && pred.value !== undefined) body.prediction = pred.value;
    var attemptSubmit = function (delay) {
      request("POST", api + "/submit", body).then(function (res) {
        if (res.status === 200 || res.status === 404) { finish(); }
        else if (res.status === 503) {
          var wait = retryAfterMs(res);
          setServerDown(true, wait);
          el("save-state").textContent = t("Máy chủ tạm gián đoạn – bài làm được giữ trên máy này, sẽ tự nộp lại");
          setTimeout(function () { attemptSubmit(delay); }, wait);
        }
        else if (res.status === 422 && !auto) {
          submitting = false; el("submit").disabled = false;
          showError((res.data && res.data.error && res.data.error.message) || t("Không nộp được bài."));
        } else { setTimeout(function () { attemptSubmit(Math.min(10000, delay * 2)); }, delay); }
      }, function () {
        el("save-state").textContent = t("Mất kết nối – đang thử nộp lại…");
        setTimeout(function () { attemptSubmit(Math.min(10000, delay * 2)); }, delay);
      });
    };
    attemptSubmit(1000);
  }

  function finish() {
    if (finished) return;
    finished = true;
    pending = {}; writePending();
    flags = {}; writeFlags();
    clearInterval(timer);
    window.location.href = root.dataset.resultUrl;
  }

  window.addEventListener("beforeunload", function (e) {
    if (!finished && Object.keys(pending).length) { e.preventDefault(); e.returnValue = ""; return ""; }
  });
  window.addEventListener("online", function () { Object.keys(pending).forEach(send); saveState(); });
  window.addEventListener("offline", saveState);
  // Previous and next keep the focus on their button: the question now shown is said for screen readers.
  function step(delta) {
    go(current + delta);
    el("question-status").textContent = questionName(current);
  }
  el("prev").addEventListener("click", function () { step(-1); });
  el("next").addEventListener("click", function () { step(1); });
  el("submit").addEventListener("click", function () { submit(false); });
  el("cancel-submit").addEventListener("click", function () { el("submit-dialog").close(); });
  el("confirm-submit").addEventListener("click", function () {
    el("submit-dialog").close();
    var pred = predictionValue();
    if (pred.ok) sendSubmit(pred, false);
  });
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
        showError((res.data && res.data.error && res.data.error.message) || t("Không tải được bài thi."));
        return;
      }
      attempt = res.data.attempt;
      setServerDown(false);
      if (attempt.status !== "in_progress") { finish(); return; }
      // Server time at the midpoint of the round trip.
      clockOffset = Date.parse(attempt.server_time) - (sentAt + Date.now()) / 2;
      answers = attempt.answers || {};
      flags = readFlags();
      var ids = {};
      attempt.questions.forEach(function (q) { ids[q.id] = q; });
      pending = readPending();
      Object.keys(pending).forEach(function (qid) {
        if (!ids[qid]) delete pending[qid]; else answers[qid] = pending[qid];
      });
      writePending();
      var first = attempt.questions.findIndex(function (q) { return !answers[q.id]; });
      current = first < 0 ? 0 : first;
      Object.keys(flags).forEach(function (qid) { if (!ids[qid]) delete flags[qid]; });
      render();
      Object.keys(pending).forEach(send);
      announced = due(Math.max(0, Math.ceil(remainingMs() / 1000)));  // what had passed before this page
      if (announced === ANNOUNCE.length - 1) announced -= 1;  // at zero: still say that time is up
      tick();
      timer = setInterval(tick, 250);
    }, function () {
      el("save-state").textContent = t("Mất kết nối – đang thử tải lại…");
      setTimeout(function () { load(Math.min(10000, delay * 2)); }, delay);
    });
  }
  load(1000);
})();
