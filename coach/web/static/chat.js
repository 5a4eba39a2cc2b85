/* Chat page behaviour: send with Enter, typing indicator, mood meter, practice notes,
 * rewind. Plain JavaScript, no libraries. Text from the trainee or the bot is only ever
 * put into the page with textContent, never as HTML. Nothing typed is lost: the reply
 * stays in the box until the server confirms it, and a draft survives a reload. */
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var transcript = document.getElementById("transcript");
  var form = document.getElementById("composer");
  var box = document.getElementById("reply");
  var sendButton = document.getElementById("send-button");
  var errorBox = document.getElementById("chat-error");
  var typing = document.getElementById("typing");
  var count = document.getElementById("reply-count");
  var rewindButton = document.getElementById("rewind-button");
  var endForm = document.getElementById("end-form");
  var overBanner = document.getElementById("over-banner");
  var moodBox = document.getElementById("mood");
  var customer = root.dataset.customer || "The customer";
  var practice = root.dataset.practice === "true";
  var maxChars = parseInt(root.dataset.maxChars, 10) || 2000;
  var draftKey = "coach-draft:" + root.dataset.conversation;
  var busy = false;
  var REQUEST_TIMEOUT_MS = 90000;

  // Send -> answer-on-screen times (ms), for the browser test and curious trainers.
  window.coachTimings = window.coachTimings || [];

  /* ------------------------------------------------------------ helpers */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function scrollToEnd(instant) {
    var top = transcript.scrollHeight;
    if (instant || reducedMotion || !transcript.scrollTo) { transcript.scrollTop = top; return; }
    transcript.scrollTo({ top: top, behavior: "smooth" });
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.textContent = "";
    errorBox.hidden = true;
  }

  function saveDraft() {
    try {
      if (box.value) { localStorage.setItem(draftKey, box.value); }
      else { localStorage.removeItem(draftKey); }
    } catch (e) { /* storage may be disabled: the box still holds the text */ }
  }

  function restoreDraft() {
    try {
      var saved = localStorage.getItem(draftKey);
      if (saved && !box.value) { box.value = saved; }
    } catch (e) { /* ignore */ }
  }

  function updateCount() {
    var n = box.value.trim().length;
    count.textContent = n + " / " + maxChars;
    count.classList.toggle("over", n > maxChars);
  }

  function setBusy(on) {
    busy = on;
    box.readOnly = on;
    sendButton.setAttribute("aria-disabled", on ? "true" : "false");
    sendButton.disabled = on;
    typing.hidden = !on;
    if (rewindButton && on) { rewindButton.disabled = true; }
  }

  /* ------------------------------------------------------------ transcript items */
  function customerMessage(text, extraClass, tagText) {
    var li = el("li", "msg msg-customer" + (extraClass ? " " + extraClass : ""));
    var who = el("span", "msg-who", customer);
    if (tagText) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("span", "msg-tag", tagText)); }
    li.appendChild(who);
    li.appendChild(el("p", "bubble", text));
    return li;
  }

  function traineeMessage(text) {
    var li = el("li", "msg msg-trainee");
    li.appendChild(el("span", "msg-who", "You"));
    li.appendChild(el("p", "bubble", text));
    return li;
  }

  function noteItem(note) {
    var li = el("li", "note");
    li.appendChild(el("span", "sr-only", "Feedback on your reply:"));
    var list = el("ul", "scores compact");
    list.setAttribute("aria-label", "Scores");
    note.scores.forEach(function (s) {
      var item = el("li", "score score-" + s.dim + " " + (s.present ? "present" : "missing"));
      var mark = el("span", "score-mark", s.present ? "\u2713" : "\u2717");
      mark.setAttribute("aria-hidden", "true");
      item.appendChild(mark);
      item.appendChild(el("span", "score-name", s.label));
      item.appendChild(el("span", "score-value", s.percent + "%"));
      item.appendChild(el("span", "sr-only", s.present ? "present" : "missing"));
      list.appendChild(item);
    });
    li.appendChild(list);
    var tip = el("p", "tip");
    tip.appendChild(el("span", "tip-label", "Tip"));
    tip.appendChild(document.createTextNode(" " + note.tip));
    li.appendChild(tip);
    return li;
  }

  /* ------------------------------------------------------------ mood meter */
  function setMood(state) {
    if (!state || state.frustration === undefined || state.frustration === null) { return; }
    var previous = moodBox.dataset.mood;
    var value = Number(state.frustration);
    moodBox.dataset.mood = state.mood;
    document.getElementById("mood-text").textContent = state.mood_label;
    document.getElementById("mood-value").textContent = value.toFixed(1) + "/10";
    document.getElementById("mood-fill").setAttribute("width", String(Math.round(value * 100) / 10));
    var meter = document.getElementById("mood-meter");
    meter.setAttribute("aria-valuenow", String(value));
    meter.setAttribute("aria-valuetext", state.mood_label + ", frustration " + value.toFixed(1) + " out of 10");
    if (previous !== state.mood) {
      document.getElementById("mood-status").textContent =
        customer + " is now " + state.mood_label.toLowerCase() + " (" + value.toFixed(1) + " out of 10).";
    }
  }

  function finish(data) {
    root.dataset.over = "true";
    form.hidden = true;
    if (endForm) { endForm.hidden = true; }
    var outcome = document.getElementById("over-outcome");
    var labels = { resolved: "Resolved", escalated: "Escalated", ended: "Ended" };
    var state = (data && data.state) || {};
    outcome.textContent = "";
    var badge = el("span", "badge outcome outcome-" + (state.outcome || "ended"), labels[state.outcome] || "Over");
    outcome.appendChild(badge);
    if (data && data.scorecard_url) { document.getElementById("scorecard-link").href = data.scorecard_url; }
    overBanner.hidden = false;
    overBanner.focus();
    try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
  }

  /* ------------------------------------------------------------ requests */
  function post(url, body) {
    var controller = ("AbortController" in window) ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) { clearTimeout(timer); }
      return response.json().catch(function () {
        return { ok: false, error: "bad_response", message: "The server answered unexpectedly (HTTP " + response.status + "). Your reply is still in the box; try again." };
      });
    }, function (err) {
      if (timer) { clearTimeout(timer); }
      var aborted = err && err.name === "AbortError";
      return {
        ok: false,
        error: aborted ? "timeout" : "network",
        message: aborted
          ? "No answer from the server for too long. Your reply is still in the box: press Send to try again."
          : "Cannot reach the Empathy Coach server (it may be restarting, or you are offline). Your reply is still in the box: try again in a moment."
      };
    });
  }

  function handleFailure(data) {
    if (data.reload) { saveDraft(); window.location.reload(); return; }
    if (data.error === "session_over") { finish(data); return; }
    showError(data.message || "Something went wrong. Your reply is still in the box; try again.");
    if (data.error === "signed_out") {
      var link = el("a", null, "Sign in again (new tab)");
      link.href = "/login";
      link.target = "_blank";
      link.rel = "noopener";
      errorBox.appendChild(document.createTextNode(" "));
      errorBox.appendChild(link);
    }
  }

  function send() {
    if (busy || root.dataset.over === "true") { return; }
    clearError();
    var text = box.value;
    var trimmed = text.trim();
    if (!trimmed) { showError("Type your reply to " + customer + " first."); box.focus(); return; }
    if (trimmed.length > maxChars) {
      showError("Your reply is " + trimmed.length + " characters long; the limit is " + maxChars + ". Shorten it and send again.");
      box.focus();
      return;
    }
    saveDraft();
    var started = performance.now();
    var pending = traineeMessage(trimmed);
    pending.classList.add("pending");
    pending.setAttribute("aria-hidden", "true");
    transcript.appendChild(pending);
    scrollToEnd();
    setBusy(true);
    post(root.dataset.sendUrl, { text: text }).then(function (data) {
      setBusy(false);
      if (!data.ok) {
        pending.remove();
        handleFailure(data);
        box.focus();
        return;
      }
      pending.classList.remove("pending");
      pending.removeAttribute("aria-hidden");
      pending.querySelector(".bubble").textContent = data.trainee_text;
      if (data.note) { transcript.appendChild(noteItem(data.note)); }
      (data.customer || []).forEach(function (line) { transcript.appendChild(customerMessage(line)); });
      window.coachTimings.push(Math.round(performance.now() - started));
      foldSituationOnPhone();
      root.dataset.turn = String(data.turn || "");
      setMood(data.state);
      box.value = "";
      saveDraft();
      updateCount();
      if (data.warning) { showError(data.warning); }
      scrollToEnd();
      if (rewindButton) { rewindButton.disabled = !data.can_rewind; }
      if (data.over) { finish(data); } else { box.focus(); }
    });
  }

  function rewind() {
    if (busy || !rewindButton || rewindButton.disabled) { return; }
    clearError();
    setBusy(true);
    post(root.dataset.rewindUrl, {}).then(function (data) {
      setBusy(false);
      if (!data.ok) {
        handleFailure(data);
        rewindButton.disabled = false;
        box.focus();
        return;
      }
      // Everything after the last reply of yours (its note, the customer's answer) is rewound.
      var items = transcript.children;
      for (var i = items.length - 1; i >= 0; i--) {
        var item = items[i];
        item.classList.add("rewound");
        if (item.classList.contains("msg-trainee")) {
          var who = item.querySelector(".msg-who");
          who.appendChild(document.createTextNode(" "));
          who.appendChild(el("span", "msg-tag", "rewound, not counted"));
          break;
        }
      }
      transcript.appendChild(customerMessage(data.customer_line, "again", "asks again"));
      setMood(data.state);
      rewindButton.disabled = true;
      scrollToEnd();
      box.focus();
    });
  }

  /* ------------------------------------------------------------ wiring */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (event.submitter && event.submitter === rewindButton) { rewind(); } else { send(); }
  });
  if (rewindButton) {
    rewindButton.addEventListener("click", function (event) { event.preventDefault(); rewind(); });
  }
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      send();
    }
  });
  box.addEventListener("input", function () { saveDraft(); updateCount(); });

  // On a phone the situation is open for the first message only, then makes room.
  function foldSituationOnPhone() {
    var situation = document.getElementById("situation");
    if (situation && window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
      situation.open = false;
    }
  }
  if (transcript.children.length > 1) { foldSituationOnPhone(); }
  restoreDraft();
  updateCount();
  scrollToEnd(true);
  if (root.dataset.over === "true") { try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ } }
}());
