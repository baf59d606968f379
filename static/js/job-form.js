/* The job form's field types: each type list's "Relation to" group names the entities typed in the form at the
   moment the list is opened, so a row added by HTMX, or an entity named after its rows, is offered too. The server
   renders the same group (JobForm.relation_types) for a page without JavaScript. */
(function () {
  "use strict";

  // As JobForm.relation_types writes a relation: the entity's name with its first letter capitalised.
  function relationValue(name) {
    return name.charAt(0).toUpperCase() + name.slice(1);
  }

  function entityNames(form) {
    var names = [];
    form.querySelectorAll(".entity-block .entity-head input[type=text]").forEach(function (input) {
      var name = input.value.trim();
      if (name && names.every(function (known) { return known.value !== relationValue(name); })) {
        names.push({ value: relationValue(name), label: name });
      }
    });
    return names;
  }

  function refreshRelations(select) {
    var form = select.closest("form");
    if (!form) return;
    var chosen = select.value;
    var names = entityNames(form);
    var builtIn = Array.prototype.some.call(select.options, function (option) {
      return option.value === chosen && !option.parentElement.matches("optgroup[data-relations]");
    });
    if (chosen && !builtIn && names.every(function (name) { return name.value !== chosen; })) {
      names.push({ value: chosen, label: chosen });  // a relation chosen earlier stays, as on the server
    }
    var old = select.querySelector("optgroup[data-relations]");
    if (old) old.remove();
    if (!names.length) return;
    var group = document.createElement("optgroup");
    group.label = "Relation to";
    group.setAttribute("data-relations", "");
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name.value;
      option.textContent = name.label;
      group.appendChild(option);
    });
    select.appendChild(group);
    select.value = chosen;
  }

  // Before the list opens: a pointer press or the keyboard focusing it.
  ["focusin", "pointerdown"].forEach(function (kind) {
    document.addEventListener(kind, function (event) {
      var select = event.target.closest && event.target.closest(".field-row select[name$='-type']");
      if (select) refreshRelations(select);
    });
  });
})();
