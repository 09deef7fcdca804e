// Admin officer-regions page: fill the city and district lists from the region tree.
(function () {
  "use strict";
  var script = document.getElementById("officer-regions-script");
  if (!script) { return; }
  var url = script.getAttribute("data-children-url");

  function fill(select, parent) {
    select.length = 1; // keep the empty "—" choice
    if (!parent) { return; }
    fetch(url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) {
        data.items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.code;
          option.textContent = item.name;
          select.appendChild(option);
        });
      });
  }

  document.querySelectorAll(".region-picker").forEach(function (picker) {
    var province = picker.querySelector("[data-level=province]");
    var city = picker.querySelector("[data-level=city]");
    var district = picker.querySelector("[data-level=district]");
    province.addEventListener("change", function () { fill(city, province.value); fill(district, ""); });
    city.addEventListener("change", function () { fill(district, city.value); });
  });
})();
