// Exam page: autosave each answer (retried until the server has it, kept in localStorage
// across reloads), a countdown driven by the server's deadline, one-at-a-time or all mode.
// The local backup of an attempt is removed only once the server has confirmed: the submit
// response (the final post, graded with the answers it carried) or the attempt's result page
// (the server closed the attempt). Never on a timer.
(function () {
  "use strict";
  var result = document.getElementById("result");
  if (result && result.dataset.attempt) {
    try { window.localStorage.removeItem("skillbridge-attempt-" + result.dataset.attempt); } catch (e) { /* private mode */ }
  }
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

  // The server closed the attempt (deadline, or a save refused as closed): its result page
  // shows what counted and clears the backup.
  function finish() {
    if (closed) { return; }
    closed = true;
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

  var submitting = false;
  var submitButton = document.getElementById("submit-attempt");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitting || !window.confirm(app.dataset.msgConfirm)) { return; }
    // The post carries every answer on the page, so nothing waits for autosave; the backup
    // stays until the server's answer confirms the attempt was graded.
    submitting = true;
    closed = true;
    submitButton.disabled = true;
    var submitStatus = document.getElementById("submit-status");
    submitStatus.textContent = app.dataset.msgSubmitting;
    fetch(form.action, {method: "POST", credentials: "same-origin", body: new FormData(form)})
      .then(function (response) {
        var path = new URL(response.url, window.location.href).pathname;
        if (!response.ok || !/\/result$/.test(path)) { throw new Error("not confirmed"); }
        pending = {};
        try { window.localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
        window.location.href = response.url;
      })
      .catch(function () {
        submitting = false;
        closed = false;
        submitButton.disabled = false;
        submitStatus.textContent = app.dataset.msgSubmitFailed;
        Object.keys(pending).forEach(send);
      });
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
