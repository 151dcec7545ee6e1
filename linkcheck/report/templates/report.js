(function () {
  "use strict";
  var table = document.getElementById("links");
  var form = document.getElementById("filters");
  if (!table || !form) { return; }
  form.hidden = false;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("q");
  var status = document.getElementById("f-status");
  var doc = document.getElementById("f-doc");
  var host = document.getElementById("f-host");
  var problemsOnly = document.getElementById("f-problems");
  var shown = document.getElementById("shown");

  function apply() {
    var text = search.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var visible = (!status.value || d.status === status.value) &&
        (!doc.value || d.docs.split("\n").indexOf(doc.value) >= 0) &&
        (!host.value || d.host === host.value) &&
        (!problemsOnly.checked || d.problem === "1") &&
        (!text || row.textContent.toLowerCase().indexOf(text) >= 0 || d.url.toLowerCase().indexOf(text) >= 0);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " links shown";
  }

  [search, status, doc, host, problemsOnly].forEach(function (control) {
    control.addEventListener("input", apply);
    control.addEventListener("change", apply);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  function key(row, column) {
    var cell = row.cells[column];
    return cell.getAttribute("data-key") || cell.textContent.trim().toLowerCase();
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        if (other.hasAttribute("aria-sort")) { other.setAttribute("aria-sort", "none"); }
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = key(a, column), y = key(b, column);
        var nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (x < y ? -1 : x > y ? 1 : 0);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });

  table.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    if (navigator.clipboard) { navigator.clipboard.writeText(button.getAttribute("data-url")); }
    button.textContent = "copied";
  });
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (element) { element.hidden = false; });
  apply();
}());
