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

  // --- the lesson player (a simulated player: there is no video file in this build) -------
  var player = document.getElementById("lesson-player");
  if (player) {
    var url = player.getAttribute("data-heartbeat-url");
    var interval = parseFloat(player.getAttribute("data-interval")) * 1000;
    var duration = parseFloat(player.getAttribute("data-duration"));
    var position = parseFloat(player.getAttribute("data-start")) || 0;
    if (position >= duration) { position = 0; }
    var toggle = document.getElementById("player-toggle");
    var timeLabel = document.getElementById("player-time");
    var playing = false, lastTick = 0, ticker = null, beater = null;

    var beat = function () {
      post(url, {position: Math.min(position, duration)}).then(function (res) {
        var err = document.getElementById("player-error");
        if (!res.ok) {
          err.hidden = false;
          err.textContent = (res.data.error || {}).message || "";
          return;
        }
        err.hidden = true;
        var d = res.data;
        setBar(document.getElementById("lesson-progress"), d.ratio);
        var watched = document.getElementById("lesson-watched");
        watched.textContent = format(watched.getAttribute("data-label"),
          {m: Math.floor(d.watched_seconds / 60), d: Math.round(d.duration_seconds / 60)});
        setBar(document.getElementById("course-progress"), d.course.ratio);
        var minutes = document.getElementById("course-minutes");
        minutes.textContent = format(minutes.getAttribute("data-label"),
          {done: d.course.attended_minutes, needed: d.course.required_minutes});
        player.setAttribute("data-watched", d.watched_seconds);
      });
    };
    var tick = function () {
      var now = performance.now();
      position = Math.min(position + (now - lastTick) / 1000, duration);
      lastTick = now;
      timeLabel.textContent = clock(position);
      if (position >= duration) { stop(); beat(); }
    };
    var start = function () {
      playing = true;
      lastTick = performance.now();
      toggle.textContent = toggle.getAttribute("data-pause");
      ticker = window.setInterval(tick, 250);
      beat();
      beater = window.setInterval(function () { tick(); beat(); }, interval);
    };
    var stop = function () {
      playing = false;
      toggle.textContent = toggle.getAttribute("data-play");
      window.clearInterval(ticker);
      window.clearInterval(beater);
    };
    timeLabel.textContent = clock(position);
    toggle.addEventListener("click", function () { if (playing) { tick(); beat(); stop(); } else { start(); } });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && playing) { tick(); beat(); stop(); }
    });
  }

  // --- presence on a live session page --------------------------------------------------
  var presence = document.getElementById("live-presence");
  if (presence) {
    var liveUrl = presence.getAttribute("data-heartbeat-url");
    var every = parseFloat(presence.getAttribute("data-interval")) * 1000;
    var status = document.getElementById("live-status");
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
    liveBeat();
    window.setInterval(liveBeat, every);
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
