// Registration: province → city → district selects filled from /regions.json as the user picks,
// so the no-JS "show cities and districts" button is not needed.
(function () {
  var box = document.querySelector(".region-picker");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-regions-url");
  var province = box.querySelector("select[name=province]");
  var city = box.querySelector("select[name=city]");
  var district = box.querySelector("select[name=region_code]");
  var button = box.querySelector(".region-pick");
  if (button) button.remove();  // the selects fill themselves; Enter must submit the form

  function fill(select, items) {
    var first = select.options[0];
    select.innerHTML = "";
    select.appendChild(first);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.name;
      select.appendChild(option);
    });
    select.value = "";
  }

  function load(parent, select, then) {
    fill(select, []);
    if (!parent) return;
    fetch(url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) { fill(select, data.items); if (then) then(); });
  }

  province.addEventListener("change", function () {
    fill(district, []);
    load(province.value, city);
  });
  city.addEventListener("change", function () { load(city.value, district); });
})();
