// Subsidy queue: "select all" for bulk approval. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("input[name='claim_ids']").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
