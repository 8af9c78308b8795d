/* Grids that grow: "add a row" and "remove" for Django formsets, without a page reload.

   Markup (see templates/includes/formset_buttons.html for the buttons):
     <div data-formset>                       the formset, holding {{ formset.management_form }}
       <... data-formset-body>                rows live here
         <... data-formset-row>               one row; holds a button[data-formset-remove]
                                              and, for a saved row, its DELETE checkbox
       <template data-formset-template>       one row rendered from formset.empty_form (__prefix__)
       <button type="button" data-formset-add>

   Without JavaScript the page still works: the server renders a few blank rows and every
   saved row's DELETE checkbox. With it, the DELETE checkboxes give way to Remove buttons,
   new rows are cloned from the template with the next form index, and TOTAL_FORMS grows.
   Removed new rows leave a gap in the numbering, which Django treats as an unchanged
   blank form; saved rows are never dropped from the page, only marked for deletion.
*/
(function () {
  "use strict";

  function totalFormsInput(formset) {
    return formset.querySelector('input[name$="-TOTAL_FORMS"]');
  }

  function maxForms(formset) {
    var input = formset.querySelector('input[name$="-MAX_NUM_FORMS"]');
    return input ? parseInt(input.value, 10) : 1000;
  }

  function liveRows(formset) {
    return Array.prototype.filter.call(
      formset.querySelectorAll("[data-formset-row]"),
      function (row) { return !row.hidden; }
    );
  }

  // English plural rule: one row, zero or several rows.
  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function announce(formset, text) {
    var region = formset.querySelector("[data-formset-status]");
    if (region) {
      region.textContent = text;
    }
  }

  function refreshAddButton(formset) {
    var total = totalFormsInput(formset);
    var add = formset.querySelector("[data-formset-add]");
    if (total && add) {
      add.disabled = parseInt(total.value, 10) >= maxForms(formset);
    }
  }

  function addRow(formset) {
    var total = totalFormsInput(formset);
    var template = formset.querySelector("template[data-formset-template]");
    var body = formset.querySelector("[data-formset-body]");
    if (!total || !template || !body) {
      return;
    }
    var index = parseInt(total.value, 10);
    if (index >= maxForms(formset)) {
      return;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    // Row labels in the template say "row __row__"; people count from one.
    html = html.replace(/__row__/g, String(index + 1));
    var holder = document.createElement(body.tagName === "TBODY" ? "tbody" : "div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    body.appendChild(row);
    total.value = String(index + 1);
    refreshAddButton(formset);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
    announce(formset, "Row " + (index + 1) + " added.");
  }

  function removeRow(formset, row) {
    var deleteBox = row.querySelector('input[type=checkbox][name$="-DELETE"]');
    if (deleteBox) {
      deleteBox.checked = true;
      row.hidden = true;
    } else {
      row.parentNode.removeChild(row);
    }
    // Hidden inputs must not block the submit with browser validation.
    Array.prototype.forEach.call(row.querySelectorAll("[required]"), function (el) {
      el.required = false;
    });
    var add = formset.querySelector("[data-formset-add]");
    if (add) {
      add.focus();
    }
    announce(formset, "Row removed. " + plural(liveRows(formset).length, "row", "rows") + " left.");
  }

  function enhance(formset) {
    formset.classList.add("formset-enhanced");
    Array.prototype.forEach.call(formset.querySelectorAll("[data-formset-add]"), function (b) {
      b.hidden = false;
    });
    refreshAddButton(formset);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) {
      return;
    }
    var add = target.closest("[data-formset-add]");
    var remove = target.closest("[data-formset-remove]");
    var formset = target.closest("[data-formset]");
    if (!formset) {
      return;
    }
    if (add) {
      event.preventDefault();
      addRow(formset);
    } else if (remove) {
      event.preventDefault();
      removeRow(formset, remove.closest("[data-formset-row]"));
    }
  });

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-formset]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
