// Attendance: the lesson player's heartbeats, the live page's presence beats, the rotating
// check-in code. The server decides what counts; these only report.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body || {})}).then(function (r) {
      return r.json().then(function (data) { return {ok: r.ok, data: data}; });
    });
  }

  function format(label, values) {
    return label.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function setBar(container, ratio) {
    var bar = container.querySelector(".progress-bar");
    var text = container.querySelector(".progress-text");
    var pct = Math.min(ratio * 100, 100);
    bar.style.width = pct.toFixed(1) + "%";
    bar.setAttribute("data-width", pct.toFixed(1));
    text.textContent = (Math.round(ratio * 1000) / 10).toFixed(1) + "%";
    container.querySelector(".progress").setAttribute("aria-valuenow", Math.round(pct));
  }

  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  // --- the lesson player: a real <video> or PDF; beats say what the page is doing ---------
  // The server times the beats and credits a span only when the beat that opened it said
  // "playing" (or "visible" for a document) and the media advanced no faster than real time.
  var player = document.getElementById("lesson-player");
  if (player) {
    var url = player.getAttribute("data-heartbeat-url");
    var interval = parseFloat(player.getAttribute("data-interval")) * 1000;
    var duration = parseFloat(player.getAttribute("data-duration"));
    var kind = player.getAttribute("data-kind");
    var video = document.getElementById("lesson-video");
    var doc = document.getElementById("lesson-document");
    var reasonEl = document.getElementById("credit-reason");
    var promptBox = document.getElementById("study-prompt");
    var promptText = document.getElementById("study-prompt-text");
    var promptAnswer = document.getElementById("study-prompt-answer");
    var active = true, lastSent = null, lastPos = 0, queue = Promise.resolve(), prompt = null;
    var start = parseFloat(player.getAttribute("data-start")) || 0;

    var state = function () {
      if (document.hidden) { return "hidden"; }
      if (kind === "document") { return "visible"; }
      if (!video || video.ended) { return "ended"; }
      if (video.paused || video.seeking || video.readyState < 3) { return "paused"; }
      return "playing";
    };
    var position = function () {
      return kind === "video" && video ? Math.min(video.currentTime, duration) : 0;
    };
    var show = function (d) {
      setBar(document.getElementById("lesson-progress"), d.ratio);
      var watched = document.getElementById("lesson-watched");
      watched.textContent = format(watched.getAttribute("data-label"),
        {m: Math.floor(d.watched_seconds / 60), d: Math.round(d.duration_seconds / 60)});
      setBar(document.getElementById("course-progress"), d.course.ratio);
      var minutes = document.getElementById("course-minutes");
      minutes.textContent = format(minutes.getAttribute("data-label"),
        {done: d.course.attended_minutes, needed: d.course.required_minutes});
      var today = document.getElementById("study-today");
      today.textContent = format(today.getAttribute("data-label"), {h: d.today.hours,
        cap: d.today.cap_hours, ch: d.today.class_hours, m: d.today.class_hour_minutes});
      var why = d.reason ? reasonEl.getAttribute("data-reason-" + d.reason.replace(/_/g, "-")) : "";
      reasonEl.textContent = why ? format(reasonEl.getAttribute("data-label"), {why: why}) : "";
      player.setAttribute("data-watched", d.watched_seconds);
      player.setAttribute("data-today", d.today.credited_seconds);
      showPrompt(d.prompt);
    };
    var showPrompt = function (p) {
      prompt = p;
      if (!p) { promptBox.hidden = true; return; }
      promptBox.hidden = false;
      if (p.kind === "attention") {
        promptText.textContent = format(promptText.getAttribute("data-attention"),
          {code: p.code, s: p.expires_in});
        promptAnswer.hidden = false;
      } else {
        promptText.textContent = promptText.getAttribute("data-presence");
        promptAnswer.hidden = true;
      }
    };
    // Beats go one after another so the server sees them in the order they happened.
    var beat = function (pos, st, answer) {
      var body = {position: pos === undefined ? position() : pos, state: st || state(),
        active: active};
      if (answer) { body.answer = answer; }
      active = false;
      lastSent = body.state;
      queue = queue.then(function () {
        return post(url, body).then(function (res) {
          var err = document.getElementById("player-error");
          if (!res.ok) {
            err.hidden = false;
            err.textContent = (res.data.error || {}).message || "";
            return;
          }
          err.hidden = true;
          show(res.data);
        });
      }).catch(function () { /* offline: the next beat starts afresh */ });
    };
    var activity = function () { active = true; };
    ["pointerdown", "touchstart", "keydown", "scroll", "wheel"].forEach(function (name) {
      window.addEventListener(name, activity, {passive: true});
    });
    document.getElementById("study-prompt-ok").addEventListener("click", function () {
      active = true;
      var answer = prompt && prompt.kind === "attention" ? promptAnswer.value : null;
      promptAnswer.value = "";
      beat(undefined, undefined, answer);
    });
    if (video) {
      video.addEventListener("loadedmetadata", function () {
        if (start > 0 && start < Math.min(video.duration, duration) - 1) { video.currentTime = start; }
      });
      video.addEventListener("timeupdate", function () { if (!video.seeking) { lastPos = video.currentTime; } });
      // Only 1x playback counts; a faster rate would only earn "skipped ahead".
      video.addEventListener("ratechange", function () { if (video.playbackRate !== 1) { video.playbackRate = 1; } });
      video.addEventListener("playing", function () { active = true; beat(); });
      video.addEventListener("pause", function () { if (!video.seeking) { beat(undefined, "paused"); } });
      video.addEventListener("ended", function () { beat(duration, "ended"); });
      // The span up to the seek is credited; the jump itself never is.
      video.addEventListener("seeking", function () { beat(Math.min(lastPos, duration), "paused"); });
      video.addEventListener("seeked", function () { lastPos = video.currentTime; beat(); });
    }
    if (doc) { doc.addEventListener("load", function () { beat(); }); }
    document.addEventListener("visibilitychange", function () { beat(); });
    window.setInterval(function () {
      var st = state();
      if (st === "playing" || st === "visible" || st !== lastSent) { beat(); }
    }, interval);
    if (kind === "document" && doc) { beat(); }
  }

  // --- presence on a live session page --------------------------------------------------
  var presence = document.getElementById("live-presence");
  if (presence) {
    var liveUrl = presence.getAttribute("data-heartbeat-url");
    var every = parseFloat(presence.getAttribute("data-interval")) * 1000;
    var status = document.getElementById("live-status");
    // Beats only while the server counts (from half an hour before the class to its end):
    // a page opened early waits instead of collecting refusals.
    var opensIn = parseFloat(presence.getAttribute("data-opens-in") || "0") * 1000;
    if (opensIn > 0) { opensIn += 2000; }  // the server's seconds are rounded down
    var closesIn = parseFloat(presence.getAttribute("data-closes-in") || "0") * 1000;
    var liveBeat = function () {
      if (document.hidden) { return; }
      post(liveUrl, {}).then(function (res) {
        if (res.ok) {
          status.textContent = format(status.getAttribute("data-label"), {m: res.data.attended_minutes});
        } else {
          status.textContent = (res.data.error || {}).message || "";
        }
      });
    };
    window.setTimeout(function () {
      liveBeat();
      var timer = window.setInterval(liveBeat, every);
      window.setTimeout(function () { window.clearInterval(timer); },
                        Math.max(closesIn - opensIn, 0) + every);
    }, opensIn);
  }

  // --- the rotating check-in code on the instructor's screen ----------------------------
  var screen = document.getElementById("checkin-code");
  if (screen) {
    var codeUrl = screen.getAttribute("data-code-url");
    var expires = document.getElementById("checkin-expires");
    var left = 0;
    var refresh = function () {
      fetch(codeUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
        if (!d.code) { return; }
        document.getElementById("checkin-short").textContent = d.code;
        document.getElementById("checkin-qr").src = d.qr_svg;
        left = d.expires_in;
      });
    };
    window.setInterval(function () {
      left -= 1;
      if (left <= 0) { refresh(); left = 30; }
      expires.textContent = format(expires.getAttribute("data-label"), {s: Math.max(left, 0)});
    }, 1000);
    refresh();
  }
})();
