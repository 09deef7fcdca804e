// Province → city → district selects (the `region_picker` macro) filled from /regions.json as
// the user picks, so the no-JS "show cities and districts" button is not needed. With
// data-whole-city / data-whole-province (staff forms) the district select also offers the
// whole city, or the whole province before a city is chosen, as the server fills it. With
// data-within (an officer's regions, as prefixes) only the provinces and cities reaching into
// them are offered, and only the districts and whole areas inside them (core.forms does the
// same on the server). A filter's third select is named "region" rather than "region_code".
(function () {
  if (!window.fetch) return;
  Array.prototype.forEach.call(document.querySelectorAll(".region-picker"), picker);

  function picker(box) {
    var url = box.getAttribute("data-regions-url");
    var wholeCity = box.getAttribute("data-whole-city");
    var wholeProvince = box.getAttribute("data-whole-province");
    var scopes = (box.getAttribute("data-within") || "").split(" ").filter(Boolean)
      .map(significant);
    var province = select("province");
    var city = select("city");
    var district = select("region_code") || select("region");
    var button = box.querySelector(".region-pick");
    if (button) button.remove();  // the selects fill themselves; Enter must submit the form

    function select(name) {  // a form with a prefix names them "<prefix>-province" and so on
      return box.querySelector("select[name='" + name + "'], select[name$='-" + name + "']");
    }

    function significant(code) {  // core.regions.prefix: 330000 -> 33, 330400 -> 3304
      return code.replace(/0000$/, "").replace(/^(\d{4})00$/, "$1");
    }

    function overlaps(code) {
      var own = significant(code);
      return !scopes.length || scopes.some(function (s) {
        return own.indexOf(s) === 0 || s.indexOf(own) === 0;
      });
    }

    function covered(code) {
      return !scopes.length || scopes.some(function (s) { return code.indexOf(s) === 0; });
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
      if (!label || !source.value || !covered(source.value)) return [];
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
          var items = data.items.filter(function (item) {
            return target === district ? covered(item.code) : overlaps(item.code);
          });
          fill(target, (own ? [] : extra || []).concat(items));
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
