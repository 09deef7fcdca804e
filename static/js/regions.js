// Province → city → district selects (the `region_picker` macro) filled from /regions.json as
// the user picks, so the no-JS "show cities and districts" button is not needed. With
// data-whole-city / data-whole-province (staff forms) the district select also offers the
// whole city, or the whole province before a city is chosen, as the server fills it.
(function () {
  if (!window.fetch) return;
  Array.prototype.forEach.call(document.querySelectorAll(".region-picker"), picker);

  function picker(box) {
    var url = box.getAttribute("data-regions-url");
    var wholeCity = box.getAttribute("data-whole-city");
    var wholeProvince = box.getAttribute("data-whole-province");
    var province = select("province");
    var city = select("city");
    var district = select("region_code");
    var button = box.querySelector(".region-pick");
    if (button) button.remove();  // the selects fill themselves; Enter must submit the form

    function select(name) {  // a form with a prefix names them "<prefix>-province" and so on
      return box.querySelector("select[name='" + name + "'], select[name$='-" + name + "']");
    }

    function fill(target, items) {
      var first = target.options[0];
      target.innerHTML = "";
      target.appendChild(first);
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.code;
        option.textContent = item.name;
        target.appendChild(option);
      });
      target.value = "";
    }

    function whole(source, label) {  // the chosen province or city itself
      if (!label || !source.value) return [];
      var name = source.options[source.selectedIndex].textContent;
      return [{code: source.value, name: label.replace("{name}", name)}];
    }

    function load(parent, target, extra) {
      fill(target, []);
      if (!parent) return;
      fetch(url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (data) {
          // A city without districts comes back as its own only item: no "whole city" twice.
          var own = data.items.some(function (item) { return item.code === parent; });
          fill(target, (own ? [] : extra || []).concat(data.items));
        });
    }

    province.addEventListener("change", function () {
      fill(district, whole(province, wholeProvince));
      load(province.value, city);
    });
    city.addEventListener("change", function () {
      if (!city.value) {
        fill(district, whole(province, wholeProvince));
        return;
      }
      load(city.value, district, whole(city, wholeCity));
    });
  }
})();
