/*
 * Kudos pages: the people picker on the compose form, and focus after "Load more" on the wall.
 * Progressive enhancement only: without this file the picker is a list of checkboxes with a
 * Search button, and "Load more" is a link to the next page.
 *
 *   [data-people-picker]     people ticked in the results (#people-results, served by htmx)
 *                            become removable chips (hidden inputs named "recipients")
 *   [data-load-more="N"]     after htmx appends page N, focus moves to its first kudos
 *   .person-filter           the wall's person field: htmx fills its suggestions as a name is
 *                            typed; here they drop down, with arrow keys and Escape
 */
(function () {
  "use strict";

  function announce(message) {
    var region = document.getElementById("js-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function say(form, name, person) {
    var template = form && form.getAttribute("data-text-" + name);
    return template ? template.replace("{name}", person) : person;
  }

  // --- People picker ----------------------------------------------------------------------------
  function chipFor(picker, id, name) {
    var form = picker.closest("form");
    var chip = document.createElement("li");
    chip.className = "chip";
    chip.setAttribute("data-person-id", id);
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "recipients";
    input.value = id;
    var label = document.createElement("span");
    label.textContent = name;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", say(form, "remove", name));
    remove.setAttribute("data-person-name", name);
    remove.textContent = "×";
    chip.append(input, label, remove);
    return chip;
  }

  function setUpPicker(picker) {
    if (picker.classList.contains("is-enhanced")) return;
    picker.classList.add("is-enhanced");
    // The Search button serves browsers without JavaScript; here it would only be the form's
    // default button and swallow Enter in the other fields.
    var button = picker.querySelector(".picker-search-button");
    if (button) button.remove();
    var chips = picker.querySelector("#chosen-people");
    Array.prototype.forEach.call(chips.querySelectorAll("input[type=checkbox]"), function (box) {
      var old = box.closest("li");
      if (!box.checked) { old.remove(); return; }
      old.replaceWith(chipFor(picker, box.value, box.getAttribute("data-person-name") || box.value));
    });
  }

  function searchAgain(picker) {
    var search = picker.querySelector("input[type=search]");
    if (!search) return;
    search.dispatchEvent(new Event("search"));
    search.focus();
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches("#people-results input[name=recipients][type=checkbox]") || !box.checked) return;
    var picker = box.closest("[data-people-picker]");
    if (!picker || !picker.classList.contains("is-enhanced")) return;
    var chips = picker.querySelector("#chosen-people");
    var name = box.getAttribute("data-person-name") || box.value;
    if (!chips.querySelector('[data-person-id="' + CSS.escape(box.value) + '"]')) {
      chips.appendChild(chipFor(picker, box.value, name));
    }
    var item = box.closest("li");
    if (item) item.remove();
    announce(say(picker.closest("form"), "added", name));
    var search = picker.querySelector("input[type=search]");
    if (search) search.focus();
  });

  document.addEventListener("click", function (event) {
    var remove = event.target.closest(".chip-remove");
    if (!remove) return;
    var picker = remove.closest("[data-people-picker]");
    var name = remove.getAttribute("data-person-name") || "";
    remove.closest("li").remove();
    announce(say(picker && picker.closest("form"), "removed", name));
    if (picker) searchAgain(picker); // the person can be found again
  });

  document.addEventListener("keydown", function (event) {
    // Enter in the search box searches; it must not send the half-written kudos.
    if (event.key === "Enter" && event.target.matches("[data-people-picker] input[type=search]")) {
      event.preventDefault();
      event.target.dispatchEvent(new Event("search"));
    }
  });

  // --- The wall's person filter ----------------------------------------------------------------
  // The suggestions drop down under the field; arrow keys move between them, Escape closes them.
  function suggestionLinks(filter) {
    return Array.prototype.slice.call(filter.querySelectorAll(".person-suggestions a"));
  }

  document.addEventListener("keydown", function (event) {
    var filter = event.target.closest && event.target.closest(".person-filter.is-enhanced");
    if (!filter) return;
    var input = filter.querySelector("input[type=search]");
    var links = suggestionLinks(filter);
    var at = links.indexOf(event.target);
    if (event.key === "Escape") {
      var results = filter.querySelector(".person-suggestions");
      if (!results || !results.childElementCount) return;
      event.preventDefault();
      results.textContent = "";
      input.focus();
    } else if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? input : links[at - 1]).focus();
    }
  });

  document.addEventListener("click", function (event) {
    // A click elsewhere closes the suggestions (what was typed stays).
    document.querySelectorAll(".person-filter.is-enhanced .person-suggestions").forEach(function (list) {
      if (list.childElementCount && !list.closest(".person-filter").contains(event.target)) {
        list.textContent = "";
      }
    });
  });

  // --- Load more ---------------------------------------------------------------------------------
  document.addEventListener("htmx:afterSettle", function (event) {
    var trigger = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    var page = trigger && trigger.getAttribute && trigger.getAttribute("data-load-more");
    if (!page) return;
    var first = document.querySelector('[data-page-start="' + CSS.escape(page) + '"]');
    if (first) first.focus();
  });

  function setUp() {
    document.querySelectorAll("[data-people-picker]").forEach(setUpPicker);
    document.querySelectorAll(".person-filter").forEach(function (filter) {
      filter.classList.add("is-enhanced");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
