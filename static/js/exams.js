// Exam page: autosave each answer (retried until the server has it, kept in localStorage
// across reloads), a countdown driven by the server's deadline, one-at-a-time or all mode.
(function () {
  "use strict";
  var app = document.getElementById("exam-app");
  if (!app) { return; }
  var form = document.getElementById("exam-form");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var deadline = Date.parse(app.dataset.deadline);
  var offset = Date.parse(app.dataset.serverTime) - Date.now();  // server clock minus ours
  var storeKey = "skillbridge-attempt-" + app.dataset.attempt;
  var pending = {};
  var inflight = {};
  var closed = false;
  var statusLine = document.getElementById("save-status");

  function loadStore() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function saveStore() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }
  function serverNow() { return Date.now() + offset; }

  function itemStatus(qid, text) {
    var el = app.querySelector('[data-status-for="' + qid + '"]');
    if (el) { el.textContent = text; }
  }

  function answerOf(fieldset) {
    var type = fieldset.dataset.type;
    var inputs = fieldset.querySelectorAll("input");
    if (type === "multiple") {
      var chosen = [];
      inputs.forEach(function (i) { if (i.checked) { chosen.push(i.value); } });
      return chosen.length ? chosen : null;
    }
    if (type === "fill_in") {
      var text = inputs[0].value;
      return text.trim() ? text : null;
    }
    var value = null;
    inputs.forEach(function (i) { if (i.checked) { value = i.value; } });
    if (type === "true_false" && value !== null) { return value === "true"; }
    return value;
  }

  function applyAnswer(fieldset, answer) {
    var type = fieldset.dataset.type;
    fieldset.querySelectorAll("input").forEach(function (i) {
      if (type === "fill_in") { i.value = answer || ""; }
      else if (type === "multiple") { i.checked = Array.isArray(answer) && answer.indexOf(i.value) >= 0; }
      else if (type === "true_false") { i.checked = answer !== null && String(answer) === i.value; }
      else { i.checked = answer === i.value; }
    });
  }

  function finish() {
    if (closed) { return; }
    closed = true;
    pending = {};
    saveStore();
    window.location.href = app.dataset.resultUrl;
  }

  function send(qid) {
    if (closed || inflight[qid] || !(qid in pending)) { return; }
    var answer = pending[qid];
    inflight[qid] = true;
    itemStatus(qid, app.dataset.msgSaving);
    var url = app.dataset.saveUrl.replace(/\/0$/, "/" + qid);
    fetch(url, {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({answer: answer})
    }).then(function (response) {
      return response.json().then(function (body) { return {status: response.status, body: body}; });
    }).then(function (r) {
      inflight[qid] = false;
      if (r.status === 200) {
        if (r.body.server_time) { offset = Date.parse(r.body.server_time) - Date.now(); }
        if (JSON.stringify(pending[qid]) === JSON.stringify(answer)) { delete pending[qid]; saveStore(); }
        itemStatus(qid, app.dataset.msgSaved);
        statusLine.textContent = app.dataset.msgSaved;
        if (qid in pending) { send(qid); }
      } else if (r.status === 409) {
        statusLine.textContent = app.dataset.msgClosed;
        finish();
      } else if (r.status >= 400 && r.status < 500) {
        delete pending[qid]; saveStore();
        itemStatus(qid, (r.body.error && r.body.error.message) || "");
      } else { throw new Error("server error"); }
    }).catch(function () {
      inflight[qid] = false;
      itemStatus(qid, app.dataset.msgError);
      statusLine.textContent = app.dataset.msgError;
      window.setTimeout(function () { send(qid); }, 2000);
    });
  }

  function changed(fieldset) {
    var qid = fieldset.dataset.question;
    pending[qid] = answerOf(fieldset);
    saveStore();
    send(qid);
  }

  var timers = {};
  app.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { changed(fieldset); });
    fieldset.addEventListener("input", function (event) {
      if (event.target.type !== "text") { return; }
      var qid = fieldset.dataset.question;
      window.clearTimeout(timers[qid]);
      timers[qid] = window.setTimeout(function () { changed(fieldset); }, 500);
    });
  });

  // Answers typed while the connection was down survive a reload: put them back and resend.
  var stored = loadStore();
  Object.keys(stored).forEach(function (qid) {
    var fieldset = app.querySelector('fieldset[data-question="' + qid + '"]');
    if (fieldset) { pending[qid] = stored[qid]; applyAnswer(fieldset, stored[qid]); send(qid); }
  });

  var countdown = document.getElementById("countdown");
  function tick() {
    var left = Math.max(0, Math.floor((deadline - serverNow()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    countdown.textContent = (h ? h + ":" : "") + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 60) { countdown.classList.add("urgent"); }
    if (left <= 0) {
      // The server finalises the attempt with what it has; give it a second past the deadline.
      window.setTimeout(finish, 1500);
      return;
    }
    window.setTimeout(tick, 250);
  }
  tick();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!window.confirm(app.dataset.msgConfirm)) { return; }
    var waited = 0;
    (function flush() {
      var busy = Object.keys(pending).length || Object.keys(inflight).some(function (k) { return inflight[k]; });
      if (busy && waited < 5000) { waited += 200; window.setTimeout(flush, 200); return; }
      closed = true;
      pending = {}; saveStore();
      form.submit();
    })();
  });

  // One question at a time, or all on one page (remembered).
  var fieldsets = Array.prototype.slice.call(app.querySelectorAll("fieldset.question"));
  var toggle = document.getElementById("mode-toggle");
  var prev = document.getElementById("prev-q"), next = document.getElementById("next-q");
  var current = 0;
  var mode = window.localStorage.getItem("skillbridge-exam-mode") || "all";
  function render() {
    fieldsets.forEach(function (f, i) { f.hidden = mode === "one" && i !== current; });
    prev.hidden = next.hidden = mode !== "one";
    prev.disabled = current === 0;
    next.disabled = current === fieldsets.length - 1;
    toggle.textContent = mode === "one" ? toggle.dataset.all : toggle.dataset.one;
  }
  toggle.addEventListener("click", function () {
    mode = mode === "one" ? "all" : "one";
    try { window.localStorage.setItem("skillbridge-exam-mode", mode); } catch (e) { /* ignore */ }
    render();
  });
  prev.addEventListener("click", function () { if (current > 0) { current -= 1; render(); } });
  next.addEventListener("click", function () { if (current < fieldsets.length - 1) { current += 1; render(); } });
  render();
})();
