// Questionnaire autosave (no inline scripts: the page runs under a strict CSP).
//
// Every question ([data-autosave]) saves itself on its own: one save in flight at a time, and when
// the user changed something while it was in flight, the whole question is sent again as it is now.
// The server answers with JSON: the new version, messages per field and fragments to refresh (status,
// points, score panel, tabs). The inputs the user types in are never replaced, so nothing typed
// during a save is lost. "Saved" shows only when the last answer came back and nothing changed since.
// A save that fails (network, server) is retried with growing pauses; leaving the page or following
// a link while anything is unsaved is held back until it is saved, or the page says what is not.
(function () {
  "use strict";

  var root = document.getElementById("q-root");
  if (!root) return;
  var form = document.getElementById("page-form");
  var csrfInput = form ? form.querySelector('input[name="csrfmiddlewaretoken"]') : null;
  var DEBOUNCE_MS = 700;
  var RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var questions = {};

  function text(name) {
    return root.getAttribute("data-" + name) || "";
  }

  function newToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var client = newToken();

  // On a phone the tabs scroll sideways: bring the current page's tab into view (centred when it can be).
  function showActiveTab() {
    var strip = document.querySelector("#q-tabs ul");
    var active = strip ? strip.querySelector(".nav-link.active") : null;
    if (!active || strip.scrollWidth <= strip.clientWidth) return;
    var item = active.parentElement;
    strip.scrollLeft = item.offsetLeft - strip.offsetLeft - (strip.clientWidth - item.offsetWidth) / 2;
  }
  showActiveTab();

  function Question(sec) {
    this.sec = sec;
    this.code = sec.getAttribute("data-autosave");
    this.url = sec.getAttribute("data-url");
    this.dirty = false;      // changed since the last save was sent
    this.inFlight = false;   // a save is on its way
    this.failed = false;     // the last save did not reach the server or was refused by it
    this.rejected = false;   // the server refused the values (field errors, conflict, locked)
    this.timer = null;
    this.retries = 0;
    this.pending = {};       // what the saved draft still lacks, shown once the user leaves the question
    this.revealed = false;
    this.seen = false;       // an answer from the server arrived since the page loaded
    this.waiters = [];
  }

  Question.prototype.field = function (name) {
    return this.sec.querySelector('[name="' + this.code + "-" + name + '"]');
  };

  Question.prototype.setState = function (message, cls) {
    var state = document.getElementById("q-state-" + this.code);
    if (!state) return;
    state.setAttribute("data-state", cls === "text-danger" ? "failed" : "busy");
    state.textContent = "";
    var span = document.createElement("span");
    span.className = cls || "text-body-secondary";
    span.textContent = message;
    state.appendChild(span);
  };

  Question.prototype.unsaved = function () {
    return this.dirty || this.inFlight || this.failed || this.rejected || this.timer !== null;
  };

  Question.prototype.touch = function () {
    this.dirty = true;
    this.setState(text("editing"));
  };

  Question.prototype.later = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.timer = null; self.save(); }, DEBOUNCE_MS);
  };

  Question.prototype.body = function () {
    var data = new FormData();
    this.sec.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (el) {
      if (el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      data.append(el.name, el.value);
    });
    data.append("client", client);
    return data;
  };

  Question.prototype.save = function () {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight || !this.dirty) return;
    var self = this;
    this.dirty = false;
    this.inFlight = true;
    this.setState(text("saving"));
    fetch(this.url, {
      method: "POST",
      body: this.body(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "", "X-Autosave": "1" },
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) throw new Error("HTTP " + response.status);
        return response.json().then(function (data) { self.answered(response.status, data); });
      })
      .catch(function () { self.lost(); })
      .then(function () {
        self.inFlight = false;
        // Changed meanwhile: send the question again, as it is now (a failed save waits for its retry).
        if (self.dirty && !self.failed) self.save();
        else self.settled();
      });
  };

  Question.prototype.answered = function (status, data) {
    this.failed = false;
    this.retries = 0;
    this.seen = true;
    // Refused values or a conflict keep the question unsaved; a locked assessment cannot be saved at all.
    this.rejected = status !== 200 && data.state !== "locked";
    if (typeof data.version === "number") {
      var version = this.field("version");
      if (version && status === 200) version.value = String(data.version);
    }
    var base = this.field("base");
    if (base && status === 200 && data.base) base.value = data.base;
    var html = data.html || {};
    Object.keys(html).forEach(function (id) {
      var old = document.getElementById(id);
      if (!old) return;
      var holder = document.createElement("template");
      holder.innerHTML = html[id].trim();
      if (holder.content.firstElementChild) old.replaceWith(holder.content.firstElementChild);
      if (id === "q-tabs") showActiveTab();
    });
    this.pending = status === 200 ? data.pending || {} : {};
    this.showMessages(data.errors || {});
  };

  // Field messages: errors at once; what a draft still lacks only once the user has left the question.
  Question.prototype.showMessages = function (errors) {
    var code = this.code;
    var sec = this.sec;
    var pending = this.revealed ? this.pending : {};
    sec.querySelectorAll(".q-errors").forEach(function (box) {
      box.textContent = "";
      box.classList.remove("is-pending");
    });
    sec.querySelectorAll(".is-invalid, .is-pending").forEach(function (el) {
      el.classList.remove("is-invalid", "is-pending");
      el.removeAttribute("aria-invalid");
    });
    function show(messages, isPending) {
      Object.keys(messages).forEach(function (name) {
        var full = code + "-" + name;
        var box = sec.querySelector('.q-errors[data-for="' + full + '"]');
        if (!box) return;
        box.classList.toggle("is-pending", isPending && !box.textContent);
        messages[name].forEach(function (message) {
          var line = document.createElement("div");
          line.textContent = message;
          box.appendChild(line);
        });
        sec.querySelectorAll('[name="' + full + '"]').forEach(function (el) {
          el.classList.add(isPending ? "is-pending" : "is-invalid");
          if (!isPending) el.setAttribute("aria-invalid", "true");
        });
      });
    }
    show(errors, false);
    show(pending, true);
    this.errors = errors;
  };

  Question.prototype.reveal = function () {
    if (!this.seen) return;  // the messages the page came with stay as they are
    this.revealed = true;
    this.showMessages(this.errors || {});
  };

  Question.prototype.lost = function () {
    var self = this;
    this.failed = true;
    this.dirty = true;  // what the page shows is not on the server: send it again
    var wait = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)];
    this.retries += 1;
    this.timer = setTimeout(function () { self.timer = null; self.save(); }, wait);
    this.setState(text("failed"), "text-danger");
  };

  Question.prototype.settled = function () {
    var waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(function (resolve) { resolve(); });
    changed();
  };

  // Resolves once this question has nothing left to send now (saved, refused, or failed).
  Question.prototype.flush = function () {
    var self = this;
    if (this.timer && !this.failed) this.save();
    if (!this.inFlight && (this.failed || !this.dirty)) return Promise.resolve();
    return new Promise(function (resolve) { self.waiters.push(resolve); });
  };

  function question(elt) {
    var sec = elt && elt.closest ? elt.closest("[data-autosave]") : null;
    if (!sec) return null;
    var code = sec.getAttribute("data-autosave");
    if (!questions[code] || questions[code].sec !== sec) questions[code] = new Question(sec);
    return questions[code];
  }

  function unsavedQuestions() {
    return Object.keys(questions).filter(function (code) { return questions[code].unsaved(); });
  }

  function changed() {
    var notice = document.getElementById("q-unsaved");
    if (notice && !unsavedQuestions().length) notice.hidden = true;
  }

  // Typing saves after a short pause; ticks, choices and leaving a field save at once (change).
  document.addEventListener("input", function (evt) {
    var t = evt.target;
    var q = question(t);
    if (!q || !t.name || t.type === "checkbox" || t.type === "radio" || t.tagName === "SELECT") return;
    q.touch();
    q.later();
  });

  document.addEventListener("change", function (evt) {
    var q = question(evt.target);
    if (!q || !evt.target.name) return;
    q.touch();
    q.save();
  });

  document.addEventListener("focusout", function (evt) {
    var q = question(evt.target);
    if (!q) return;
    var next = evt.relatedTarget;
    if (next && q.sec.contains(next)) return;
    if (q.timer && !q.failed) q.save();
    q.reveal();
  });

  document.addEventListener("click", function (evt) {
    var again = evt.target.closest ? evt.target.closest("[data-save-again]") : null;
    if (!again) return;
    var q = question(again);
    if (!q) return;
    var version = q.field("version");
    if (version) version.value = again.getAttribute("data-save-again");
    q.rejected = false;
    q.touch();
    q.save();
  });

  // Following a link (to the next page, or to "Check and submit") waits for every save; when one
  // cannot be saved, the page stays and names the questions.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest ? evt.target.closest("a[href]") : null;
    if (!link || evt.defaultPrevented || link.target || link.getAttribute("href").charAt(0) === "#") return;
    if (!unsavedQuestions().length) return;
    evt.preventDefault();
    var codes = unsavedQuestions();
    Promise.all(codes.map(function (code) { return questions[code].flush(); })).then(function () {
      var left = unsavedQuestions();
      if (!left.length) {
        window.location.href = link.href;
        return;
      }
      var notice = document.getElementById("q-unsaved");
      if (!notice) return;
      notice.querySelector("[data-codes]").textContent = left.join(", ");
      notice.hidden = false;
      notice.scrollIntoView({ block: "center" });
    });
  });

  window.addEventListener("beforeunload", function (evt) {
    if (unsavedQuestions().length) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });

  // The page form's own submit (the "Save this page" button) posts everything the page shows.
  if (form) {
    form.addEventListener("submit", function () {
      Object.keys(questions).forEach(function (code) {
        var q = questions[code];
        clearTimeout(q.timer);
        q.timer = null;
        q.dirty = false;
        q.failed = false;
        q.rejected = false;
      });
    });
  }

  // An answer given before this script ran (a quick click while a slow connection still brings the
  // script, or a form the browser restored) is not what the server holds: save it now, as if just made.
  function differsFromPage(el) {
    if (el.type === "hidden" || el.disabled) return false;
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }
  document.querySelectorAll("[data-autosave]").forEach(function (sec) {
    var fields = sec.querySelectorAll("input[name], textarea[name], select[name]");
    if (!Array.prototype.some.call(fields, differsFromPage)) return;
    var q = question(sec);
    q.touch();
    q.save();
  });

  // Evidence blocks still use htmx: let it swap the 400 answers that carry the upload's message.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.classList.contains("q-evidence") && evt.detail.xhr.status === 400) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
})();
