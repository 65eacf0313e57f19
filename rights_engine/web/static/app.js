// rights-engine clinic page: progressive enhancement only (the page works without it).
// Served as a file so that the Content-Security-Policy needs no inline script. Touches no worker data.
"use strict";
(function () {
  var printButton = document.getElementById("print");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  // A city list shows only the cities of the province chosen (all of them while the province is not known).
  var cities = document.querySelectorAll("select.city[data-province]");
  Array.prototype.forEach.call(cities, function (city) {
    var province = document.querySelector('select[name="' + city.getAttribute("data-province") + '"]');
    if (!province) { return; }
    function limit() {
      var chosen = province.value;
      Array.prototype.forEach.call(city.querySelectorAll("optgroup"), function (group) {
        var shown = !chosen || group.getAttribute("data-value") === chosen;
        group.hidden = !shown;
        group.disabled = !shown;
      });
      var selected = city.options[city.selectedIndex];
      if (selected && selected.parentNode.tagName === "OPTGROUP" && selected.parentNode.disabled) {
        city.value = "";
      }
    }
    province.addEventListener("change", limit);
    limit();
  });
})();
