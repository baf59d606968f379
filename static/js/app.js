/* Codegen Studio: the little the pages do in the browser beyond HTMX. Everything here is an enhancement: without
   it the pages still work (times show in UTC, durations at render time, links and forms go to the server).
   No inline script or style anywhere (strict CSP): behaviour hangs on data- attributes and classes. */
(function () {
  "use strict";

  // ---- Durations and relative times -------------------------------------------------------------------------
  var clockOffset = {}; // per element: the server's clock minus the reader's, as measured when it was rendered

  function formatDuration(seconds) {
    if (seconds < 10) return seconds.toFixed(1) + " s";
    if (seconds < 60) return Math.round(seconds) + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min " + Math.round(seconds % 60) + " s";
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function tickElapsed() {
    document.querySelectorAll("[data-elapsed-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.elapsedSince);
      if (isNaN(since)) return;
      if (el.dataset.offset === undefined) {
        var serverNow = Date.parse(el.dataset.serverNow);
        el.dataset.offset = isNaN(serverNow) ? "0" : String(serverNow - Date.now());
      }
      var now = Date.now() + Number(el.dataset.offset);
      el.textContent = formatDuration(Math.max(0, (now - since) / 1000));
    });
  }

  // "about 3 min left": counted down from the template's typical duration, the way the server words it.
  function tickEstimates() {
    document.querySelectorAll("[data-estimate-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.estimateSince);
      var typical = Number(el.dataset.typicalS);
      if (isNaN(since) || isNaN(typical)) return;
      if (el.dataset.offset === undefined) {
        var serverNow = Date.parse(el.dataset.serverNow);
        el.dataset.offset = isNaN(serverNow) ? "0" : String(serverNow - Date.now());
      }
      var left = typical - (Date.now() + Number(el.dataset.offset) - since) / 1000;
      el.textContent = left <= 0 ? "taking longer than usual" : "about " + Math.max(1, Math.ceil(left / 60)) + " min left";
    });
  }

  function relative(date) {
    var seconds = (Date.now() - date.getTime()) / 1000;
    var future = seconds < 0;
    seconds = Math.abs(seconds);
    var text;
    if (seconds < 45) return "just now";
    if (seconds < 90) text = "1 min";
    else if (seconds < 3600) text = Math.round(seconds / 60) + " min";
    else if (seconds < 86400) text = Math.round(seconds / 3600) + " h";
    else if (seconds < 7 * 86400) text = Math.round(seconds / 86400) + " days";
    else return date.toLocaleDateString(undefined, {year: "numeric", month: "short", day: "numeric"});
    return future ? "in " + text : text + " ago";
  }

  function exact(date) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    return date.toLocaleString(undefined, {year: "numeric", month: "short", day: "numeric", hour: "2-digit",
      minute: "2-digit", second: "2-digit"}) + (zone ? " (" + zone + ")" : "");
  }

  function showRelativeTimes(root) {
    (root || document).querySelectorAll("time.relative[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      el.textContent = relative(date);
      el.title = exact(date);
    });
  }

  // A log line's clock shows its exact local moment on hover (set when first hovered: a log has many lines).
  document.addEventListener("mouseover", function (event) {
    var el = event.target.closest && event.target.closest("time.clock[datetime]");
    if (el && !el.title) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date.getTime())) el.title = exact(date);
    }
  });

  // ---- The live connection: a banner while it is down, a sane backoff, reconnect on focus and online --------
  var socket = null; // the ws extension's socket wrapper (it has `reconnect`)
  var down = false;
  var retryAt = 0;
  var countdown = null;

  if (window.htmx) {
    // One live socket per page. Coming back to a tab fires `visibilitychange`, `focus` and often `online` together,
    // each asking to reconnect while the extension's own retry is pending too; the extension closes its previous
    // socket only once it is open, so a second request during a handshake left two sockets appending every new log
    // line twice. A newer socket to the same address now closes any older one still open or connecting, detached
    // first so that its close schedules no retry of its own.
    var createSocket = htmx.createWebSocket;
    var latestSocket = {};
    htmx.createWebSocket = function (url) {
      var older = latestSocket[url];
      if (older && older.readyState <= 1) { // CONNECTING or OPEN
        older.onclose = null;
        older.onerror = null;
        older.onmessage = null;
        older.close();
      }
      latestSocket[url] = createSocket ? createSocket(url) : new WebSocket(url, []);
      return latestSocket[url];
    };
    // 0.5 s, 1 s, 2 s, 4 s, then every 8 s at most, each with ±25 % jitter so that many pages do not reconnect at once.
    htmx.config.wsReconnectDelay = function (retries) {
      var base = Math.min(8000, 500 * Math.pow(2, retries));
      var delay = Math.round(base * (0.75 + Math.random() * 0.5));
      retryAt = Date.now() + delay;
      return delay;
    };
  }

  function banner() { return document.getElementById("connection-banner"); }

  function showDown(message) {
    var el = banner();
    if (!el) return;
    down = true;
    el.hidden = false;
    var detail = el.querySelector(".connection-detail");
    function update() {
      if (!down) return;
      if (message) { detail.textContent = message; return; }
      var left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      detail.textContent = left > 0 ? "Reconnecting in " + left + " s… What you see may be out of date."
        : "Reconnecting… What you see may be out of date.";
    }
    update();
    clearInterval(countdown);
    countdown = setInterval(update, 500);
  }

  function showUp() {
    down = false;
    clearInterval(countdown);
    var el = banner();
    if (el) el.hidden = true;
  }

  function reconnectNow() {
    if (!down) return;
    if (socket && socket.reconnect) {
      retryAt = Date.now();
      socket.reconnect();
    } else {
      refreshJobPage();
    }
  }

  document.addEventListener("htmx:wsConnecting", function () { if (down) showDown("Reconnecting now…"); });
  document.addEventListener("htmx:wsOpen", function (event) { socket = event.detail.socketWrapper; showUp(); });
  document.addEventListener("htmx:wsClose", function (event) {
    socket = event.detail.socketWrapper;
    var code = event.detail.event && event.detail.event.code;
    if ([1006, 1011, 1012, 1013].indexOf(code) >= 0 && !jobFinished()) {
      showDown(navigator.onLine === false ? "You are offline. Reconnecting when the network is back…" : null);
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-reconnect]")) reconnectNow();
  });
  window.addEventListener("online", reconnectNow);
  window.addEventListener("focus", reconnectNow);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) reconnectNow(); });
  window.addEventListener("offline", function () {
    if (document.getElementById("job-page") && !jobFinished()) showDown("You are offline. Reconnecting when the network is back…");
  });

  // ---- When the job ends: the tab title and favicon say so, an opt-in notification, the page's final form ----
  var seenRunning = false;
  var notifyWanted = false;
  var finishedShown = false;
  var SYMBOLS = {completed: "✓", failed: "✗", cancelled: "■"};

  function jobStatus() { return document.getElementById("job-status"); }
  function jobFinished() { var s = jobStatus(); return !!s && s.dataset.finished === "true"; }

  function refreshJobPage() {
    var page = document.getElementById("job-page");
    if (page && window.htmx) htmx.ajax("GET", page.dataset.pageUrl, {target: "#job-page", swap: "outerHTML"});
  }

  function markFinished(status, name) {
    if (!document.title.startsWith(SYMBOLS[status] || "")) {
      document.title = (SYMBOLS[status] || "") + " " + status + " · " + document.title.replace(/^[✓✗■] \w+ · /, "");
    }
    var icon = document.getElementById("favicon");
    var href = icon && icon.dataset["icon" + status.charAt(0).toUpperCase() + status.slice(1)];
    if (href) icon.href = href;
    if (notifyWanted && window.Notification && Notification.permission === "granted") {
      notifyWanted = false;
      try { new Notification(name + ": " + status, {body: "Codegen Studio job " + status + ".", icon: href || undefined}); }
      catch (e) { /* some browsers allow notifications only from a service worker */ }
    }
  }

  function checkStatus() {
    var status = jobStatus();
    if (!status) return;
    if (status.dataset.finished !== "true") {
      seenRunning = true;
      var button = document.querySelector("[data-notify]");
      if (button && window.Notification && Notification.permission !== "denied" && !notifyWanted) button.hidden = false;
      return;
    }
    showUp();
    markFinished(status.dataset.status, status.dataset.jobName);
    if (seenRunning && !finishedShown) {
      finishedShown = true; // watched live to the end: load the finished page (files, improve form, diff)
      setTimeout(refreshJobPage, 300);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-notify]");
    if (!button || !window.Notification) return;
    Notification.requestPermission().then(function (permission) {
      if (permission === "granted") {
        notifyWanted = true;
        button.textContent = "You will be notified";
        button.disabled = true;
      } else {
        button.textContent = "Notifications are blocked in this browser";
        button.disabled = true;
      }
    });
  });

  // ---- Copy buttons ---------------------------------------------------------------------------------------
  function announce(text) {
    var region = document.getElementById("copy-status");
    if (!region) {
      region = document.createElement("p");
      region.id = "copy-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = text;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      (ok ? resolve : reject)();
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy], [data-copy-from]");
    if (!button) return;
    var text = button.dataset.copy;
    if (text === undefined) {
      var source = document.querySelector(button.dataset.copyFrom);
      text = source ? (source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent) : "";
    }
    var label = button.dataset.copyLabel || "text";
    var original = button.dataset.originalText || button.textContent;
    button.dataset.originalText = original;
    copyText(text).then(function () {
      button.textContent = "Copied";
      announce("Copied the " + label + " to the clipboard.");
    }, function () {
      button.textContent = "Copy failed";
      announce("Could not copy the " + label + ".");
    }).then(function () { setTimeout(function () { button.textContent = original; }, 2000); });
  });

  // ---- Replay a finished job's log at 1x-20x -----------------------------------------------------------------
  var replayTimer = null;

  function stopReplay(button) {
    clearTimeout(replayTimer);
    replayTimer = null;
    document.querySelectorAll("#job-log-lines .replay-hidden").forEach(function (line) { line.classList.remove("replay-hidden"); });
    var log = document.getElementById("job-log");
    if (log) log.classList.remove("replaying");
    if (button) button.textContent = "Replay";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-replay-start]");
    if (!button) return;
    if (replayTimer) { stopReplay(button); return; }
    var lines = Array.prototype.slice.call(document.querySelectorAll("#job-log-lines .log-line"));
    if (!lines.length) return;
    document.querySelectorAll("#job-log-lines details.log-run").forEach(function (run) { run.open = true; });
    var speed = Number(document.getElementById("replay-speed").value) || 1;
    var times = lines.map(function (line) {
      var t = line.querySelector("time");
      return t ? Date.parse(t.getAttribute("datetime")) : NaN;
    });
    lines.forEach(function (line) { line.classList.add("replay-hidden"); });
    document.getElementById("job-log").classList.add("replaying");
    button.textContent = "Stop replay";
    var i = 0;
    (function next() {
      lines[i].classList.remove("replay-hidden");
      i += 1;
      if (i >= lines.length) { stopReplay(button); return; }
      var gap = times[i] - times[i - 1];
      var wait = isNaN(gap) ? 200 : Math.min(3000, Math.max(0, gap / speed));
      replayTimer = setTimeout(next, wait);
    })();
  });

  // ---- The log: runs of one agent that fold, a filter by agent, a search -------------------------------------------
  // The server opens the working agent's run; when the socket adds the next agent's run, the one before folds,
  // unless the reader opened or closed it themselves. What the reader chose is kept for the tab's session, per job
  // and run, and applied again whenever the log is rendered anew: a reconnect's snapshot, the finished page, a reload.
  var lastRun = null;

  function foldsKey() {
    var page = document.getElementById("job-page");
    return page && page.dataset.jobId ? "codegen:log-folds:" + page.dataset.jobId : null;
  }

  function savedFolds() {
    var key = foldsKey();
    if (!key) return {};
    try { return JSON.parse(sessionStorage.getItem(key) || "{}") || {}; } catch (e) { return {}; }
  }

  function rememberFold(run) {
    var key = foldsKey();
    if (!key || !run.id) return;
    var folds = savedFolds();
    folds[run.id] = run.open;
    try { sessionStorage.setItem(key, JSON.stringify(folds)); } catch (e) { /* storage off or full: folds reset */ }
  }

  function restoreFolds() {
    var folds = savedFolds();
    Object.keys(folds).forEach(function (id) {
      var run = document.getElementById(id);
      if (!run || !run.matches("#job-log-lines > details.log-run")) return;
      run.dataset.touched = "true";
      if (run.open !== folds[id]) run.open = folds[id];
    });
  }

  function foldFinishedRuns() {
    var runs = document.querySelectorAll("#job-log-lines > details.log-run");
    var last = runs.length ? runs[runs.length - 1] : null;
    if (!last || last === lastRun) return;
    if (lastRun && lastRun.isConnected && !lastRun.dataset.touched && !jobFinished()) lastRun.open = false;
    lastRun = last;
  }

  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details.log-run > summary");
    if (!summary) return;
    var run = summary.parentElement;
    run.dataset.touched = "true";
    setTimeout(function () { rememberFold(run); }, 0); // after the click's default action has toggled it
  });

  function filterLog() {
    var agentField = document.querySelector("[data-log-agent]");
    var searchField = document.querySelector("[data-log-search]");
    if (!agentField || !searchField) return;
    var agent = agentField.value;
    var text = searchField.value.trim().toLowerCase();
    var filtering = !!(agent || text);
    var shown = 0;
    var total = 0;
    document.querySelectorAll("#job-log-lines > details.log-run").forEach(function (run) {
      var agentMatches = !agent || run.dataset.agent === agent;
      var any = false;
      run.querySelectorAll(".log-line").forEach(function (line) {
        var message = line.querySelector(".log-message");
        var matches = agentMatches && (!text || (message ? message.textContent : line.textContent).toLowerCase().indexOf(text) >= 0);
        line.classList.toggle("filtered-out", !matches);
        total += 1;
        if (matches) { any = true; shown += 1; }
      });
      run.hidden = filtering && !any;
      if (filtering && any && !run.dataset.touched) run.open = true;
    });
    var status = document.getElementById("log-filter-status");
    if (status) {
      status.textContent = filtering ? (shown === 1 ? "1 line" : shown + " lines") + " of " + total + " shown." : "";
    }
  }

  function enableLogTools() {
    document.querySelectorAll("[data-log-filters]").forEach(function (el) { el.hidden = false; });
    restoreFolds();
    foldFinishedRuns();
    filterLog();
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-log-agent], [data-log-search]")) filterLog();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-log-agent]")) filterLog();
  });

  // ---- The submission form: focus stays near a removed row ------------------------------------------------------
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!elt || !elt.matches || !elt.matches("button.remove")) return;
    var block = elt.closest(".field-row") || elt.closest(".entity-block");
    if (!block) return;
    var isRow = block.classList.contains("field-row");
    var sibling = block.nextElementSibling || block.previousElementSibling;
    var next = sibling && sibling.querySelector(isRow ? "input[type=text]" : "input[type=text]");
    if (!next) {
      var scope = isRow ? block.closest(".entity-block") : document.getElementById("entities");
      next = scope && scope.querySelector(isRow ? "button[value^='add-field']" : "button[value='add-entity']");
    }
    if (next) setTimeout(function () { next.focus(); }, 0);
  });

  // ---- Wiring ---------------------------------------------------------------------------------------------------
  function onLoad() {
    enableLogTools();
    tickElapsed();
    showRelativeTimes();
    checkStatus();
  }
  document.addEventListener("DOMContentLoaded", onLoad);
  document.addEventListener("htmx:afterSettle", function (event) { showRelativeTimes(event.target); checkStatus(); tickElapsed(); enableLogTools(); });
  document.addEventListener("htmx:wsAfterMessage", function () { showRelativeTimes(); checkStatus(); tickElapsed(); restoreFolds(); foldFinishedRuns(); filterLog(); });
  setInterval(tickElapsed, 1000);
  setInterval(tickEstimates, 1000);
  setInterval(function () { showRelativeTimes(); }, 30000);
})();
