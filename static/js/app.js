/*
 * salesculture: the few behaviours the server-rendered pages need. Everything hooks onto data-
 * attributes, so templates need no inline script or handler (strict CSP). Texts shown to people
 * come from data- attributes on <body>, which the templates translate.
 *
 *   data-copy="text" / data-copy-target="#id"  copy to the clipboard, then say "Copied"
 *   <textarea|input maxlength data-counter>     live "N / max characters" counter
 *   <form data-confirm="Are you sure?">          confirm() before submitting
 *   <button data-disable-on-submit>             disabled once its form submits (no double posts)
 *   htmx requests                               carry the CSRF token from <meta name="csrf-token">
 */
(function () {
  "use strict";

  var FEEDBACK_MS = 2000;
  var ANNOUNCE_DELAY_MS = 700;

  function text(name, fallback) {
    var value = document.body && document.body.getAttribute("data-text-" + name);
    return value || fallback;
  }

  function announce(message) {
    var region = document.getElementById("js-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  // --- htmx: send the CSRF token with every unsafe request ---------------------------------
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content && event.detail.verb !== "get") {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  // --- Copy to clipboard --------------------------------------------------------------------
  function textToCopy(trigger) {
    var literal = trigger.getAttribute("data-copy");
    if (literal !== null) return literal;
    var target = document.querySelector(trigger.getAttribute("data-copy-target"));
    if (!target) return null;
    return target.matches("input, textarea, select") ? target.value : target.textContent.trim();
  }

  function copyWithSelection(value) {
    var scratch = document.createElement("textarea");
    scratch.value = value;
    scratch.setAttribute("readonly", "");
    scratch.className = "visually-hidden";
    document.body.appendChild(scratch);
    scratch.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    scratch.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(value) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(value).catch(function () { return copyWithSelection(value); });
    }
    return copyWithSelection(value);
  }

  function showFeedback(trigger, label, succeeded) {
    if (trigger.dataset.copyLabel === undefined) trigger.dataset.copyLabel = trigger.textContent;
    window.clearTimeout(Number(trigger.dataset.copyTimer || 0));
    trigger.textContent = label;
    trigger.classList.toggle("is-copied", succeeded);
    announce(label);
    trigger.dataset.copyTimer = String(window.setTimeout(function () {
      trigger.textContent = trigger.dataset.copyLabel;
      trigger.classList.remove("is-copied");
    }, FEEDBACK_MS));
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-copy], [data-copy-target]");
    if (!trigger) return;
    event.preventDefault();
    var value = textToCopy(trigger);
    if (value === null) return;
    copy(value).then(
      function () { showFeedback(trigger, text("copied", "Copied"), true); },
      function () { showFeedback(trigger, text("copy-failed", "Could not copy"), false); }
    );
  });

  // --- Character counters -------------------------------------------------------------------
  function counterText(count, max) {
    return text("counter", "{count} / {max} characters")
      .replace("{count}", String(count))
      .replace("{max}", String(max));
  }

  function setUpCounter(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (field.dataset.counterReady || !(max > 0)) return;
    field.dataset.counterReady = "1";

    // The visible number follows every keystroke; screen readers hear it once typing pauses.
    var counter = document.createElement("small");
    counter.className = "char-counter";
    counter.id = (field.id || field.name || "field") + "_counter";
    counter.setAttribute("aria-live", "polite");
    var visible = document.createElement("span");
    visible.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    counter.append(visible, spoken);
    field.insertAdjacentElement("afterend", counter);

    var describedBy = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    describedBy.push(counter.id);
    field.setAttribute("aria-describedby", describedBy.join(" "));

    var timer = 0;
    function update(speak) {
      var count = field.value.length;
      visible.textContent = counterText(count, max);
      counter.classList.toggle("is-near-limit", count >= max * 0.9 && count < max);
      counter.classList.toggle("is-at-limit", count >= max);
      window.clearTimeout(timer);
      if (speak) {
        timer = window.setTimeout(function () { spoken.textContent = counterText(field.value.length, max); }, ANNOUNCE_DELAY_MS);
      } else {
        spoken.textContent = counterText(count, max);
      }
    }
    field.addEventListener("input", function () { update(true); });
    update(false);
  }

  function setUp(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var fields = Array.prototype.slice.call(
      scope.querySelectorAll("textarea[maxlength][data-counter], input[maxlength][data-counter]")
    );
    if (scope.matches && scope.matches("[maxlength][data-counter]")) fields.push(scope);
    fields.forEach(setUpCounter);
  }

  // --- Confirmation before submitting (capture phase: runs before htmx sees the submit) -------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // --- Disable buttons once their form submits ----------------------------------------------
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return; // htmx or a validator took over; they manage the buttons
    var buttons = Array.prototype.filter.call(event.target.elements, function (element) {
      return element.hasAttribute("data-disable-on-submit");
    });
    // Later, not now: a disabled submitter would drop its own name=value from the request.
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
        if (button === event.submitter) button.setAttribute("aria-busy", "true");
      });
    }, 0);
  });

  // Coming back with the browser's Back button restores the page as it was left: re-enable.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[data-disable-on-submit]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
})();
