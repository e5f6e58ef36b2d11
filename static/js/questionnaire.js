// Questionnaire autosave on top of htmx (no inline scripts: the page runs under a strict CSP).
// - numbers every save with a client sequence (`<code>-seq`) so the server can drop replays and
//   saves that arrive out of order;
// - lets htmx swap 400/409/422 answers (field errors, conflicts), which it skips by default;
// - keeps what the user types into an answer while its save is in flight, and saves that too.
(function () {
  "use strict";

  var counter = 0;

  function section(elt) {
    return elt && elt.closest ? elt.closest("[data-autosave]") : null;
  }

  function root() {
    return document.getElementById("q-root");
  }

  function setState(sec, text, cls) {
    var state = sec && sec.querySelector(".q-state");
    if (!state) return;
    state.textContent = text;
    state.className = "q-state small mt-2 " + (cls || "");
  }

  // A strictly increasing sequence, above the last one the server confirmed for this answer.
  function nextSeq(sec) {
    var code = sec.getAttribute("data-autosave");
    var input = sec.querySelector('input[name="' + code + '-seq"]');
    var last = input ? Number(input.value) || 0 : 0;
    var next = Math.max(last + 1, Date.now() * 1000 + (counter++ % 1000));
    if (input) input.value = String(next);
    return { code: code, seq: next };
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var sec = section(evt.detail.elt);
    if (!sec) return;
    var next = nextSeq(sec);
    evt.detail.parameters[next.code + "-seq"] = String(next.seq);
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var sec = section(evt.detail.elt);
    if (!sec) return;
    sec.qTyped = {};
    sec.qInFlight = true;
    var r = root();
    setState(sec, r ? r.getAttribute("data-saving") : "…", "text-body-secondary");
  });

  // Typing into an answer whose save is still running: remember it, re-apply it after the swap.
  document.addEventListener("input", function (evt) {
    var sec = section(evt.target);
    if (!sec || !sec.qInFlight || !evt.target.name) return;
    var t = evt.target;
    sec.qTyped[t.name] = t.type === "checkbox" || t.type === "radio" ? { checked: t.checked, value: t.value } : { value: t.value };
  });

  var typedWhileSaving = {};

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    var target = evt.detail.target;
    var ours = target && (target.hasAttribute("data-autosave") || target.classList.contains("q-evidence"));
    if (ours && (status === 400 || status === 409 || status === 422)) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
    if (ours && target.qTyped && Object.keys(target.qTyped).length) {
      typedWhileSaving[target.id] = target.qTyped;
    }
  });

  // afterSwap fires on the new section: put back what was typed meanwhile and save it too.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var sec = evt.detail.elt;
    if (!sec || !sec.id || !typedWhileSaving[sec.id]) return;
    var typed = typedWhileSaving[sec.id];
    delete typedWhileSaving[sec.id];
    var changed = null;
    Object.keys(typed).forEach(function (name) {
      var saved = typed[name];
      sec.querySelectorAll('[name="' + name + '"]').forEach(function (field) {
        if ("checked" in saved) {
          if (field.value === saved.value && field.checked !== saved.checked) {
            field.checked = saved.checked;
            changed = field;
          }
        } else if (field.value !== saved.value) {
          field.value = saved.value;
          changed = field;
        }
      });
    });
    if (changed) changed.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Network failure, or a refusal the server answered with a full error page (403, 500).
  function failed(evt) {
    var sec = section(evt.detail.elt);
    var r = root();
    if (!sec) return;
    sec.qInFlight = false;
    setState(sec, r ? r.getAttribute("data-failed") : "!", "text-danger");
  }
  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    if (status !== 400 && status !== 409 && status !== 422) failed(evt);
  });
  document.addEventListener("htmx:sendError", failed);
})();
