// Add, remove and reorder rows of Django formsets. The ORDER inputs carry the order the user sees.
(function () {
  function renumber(container) {
    container.querySelectorAll(":scope > .formset-row").forEach(function (row, index) {
      var order = row.querySelector('input[name$="-ORDER"]');
      if (order) { order.value = index + 1; }
    });
  }

  document.querySelectorAll(".formset-rows").forEach(renumber);

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-form]");
    if (add) {
      var prefix = add.getAttribute("data-add-form");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.querySelector('template[data-empty-form="' + prefix + '"]');
      var container = document.querySelector('.formset-rows[data-prefix="' + prefix + '"]');
      var html = template.innerHTML.replace(/__prefix__/g, total.value);
      container.insertAdjacentHTML("beforeend", html);
      total.value = parseInt(total.value, 10) + 1;
      renumber(container);
      var first = container.lastElementChild.querySelector("textarea, input:not([type=hidden]), select");
      if (first) { first.focus(); }
      return;
    }
    var move = event.target.closest("[data-move]");
    if (move) {
      var row = move.closest(".formset-row");
      var parent = row.parentElement;
      if (move.getAttribute("data-move") === "up" && row.previousElementSibling) {
        parent.insertBefore(row, row.previousElementSibling);
      } else if (move.getAttribute("data-move") === "down" && row.nextElementSibling) {
        parent.insertBefore(row.nextElementSibling, row);
      }
      renumber(parent);
      move.focus();
    }
  });
})();
