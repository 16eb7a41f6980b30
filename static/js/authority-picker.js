// The drafting form's authority picker: search results as one types, from
// /autorites/choix.json. Without this script the "Chercher" button does the same by
// sending the form back. No inline script: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  function debounce(fn, delay) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, delay);
    };
  }

  function checkboxItem(list, item) {
    var li = document.createElement("li");
    var input = document.createElement("input");
    var label = document.createElement("label");
    input.type = "checkbox";
    input.name = "authority_ids";
    input.value = String(item.id);
    input.id = "authority_ids-" + item.id;
    label.htmlFor = input.id;
    label.textContent = item.label;
    li.appendChild(input);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(label);
    list.appendChild(li);
  }

  function showCheckboxes(list, items) {
    var kept = {};
    Array.prototype.slice.call(list.querySelectorAll("li")).forEach(function (li) {
      var input = li.querySelector("input");
      if (input && input.checked) { kept[input.value] = true; } else { list.removeChild(li); }
    });
    items.forEach(function (item) { if (!kept[String(item.id)]) { checkboxItem(list, item); } });
  }

  function showOptions(select, items) {
    var kept = {};
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (option.value === "" || option.selected) { kept[option.value] = true; } else { select.removeChild(option); }
    });
    items.forEach(function (item) {
      if (kept[String(item.id)]) { return; }
      var option = document.createElement("option");
      option.value = String(item.id);
      option.textContent = item.label;
      select.appendChild(option);
    });
  }

  function setUp(box) {
    var mode = box.getAttribute("data-authority-picker");
    var input = box.querySelector("input[type=search]");
    var status = box.querySelector("[data-picker-status]");
    var target = mode === "select" ? document.getElementById("authority_id") : document.getElementById("authority_ids");
    if (!input || !target || !window.fetch) { return; }
    var latest = 0;
    var search = debounce(function () {
      var text = input.value.trim();
      var ticket = ++latest;
      if (text.length < 2) { return; }
      fetch(box.getAttribute("data-url") + "?q=" + encodeURIComponent(text), {credentials: "same-origin",
                                                                              headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {items: []}; })
        .then(function (data) {
          if (ticket !== latest) { return; }
          if (mode === "select") { showOptions(target, data.items); } else { showCheckboxes(target, data.items); }
          if (status) {
            status.textContent = data.items.length ? data.items.length + " autorité(s) proposée(s) pour « " + text + " »."
                                                   : "Aucune autorité trouvée pour « " + text + " ».";
          }
        })
        .catch(function () { /* the "Chercher" button still works */ });
    }, 250);
    input.addEventListener("input", search);
    input.addEventListener("keydown", function (event) {
      // Enter in the search field searches instead of submitting the draft.
      if (event.key === "Enter") { event.preventDefault(); search(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.slice.call(document.querySelectorAll("[data-authority-picker]")).forEach(setUp);
  });
})();
