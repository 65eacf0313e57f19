// rights-engine clinic page: progressive enhancement only (the page works without it).
// Served as a file so that the Content-Security-Policy needs no inline script. Touches no worker data.
"use strict";
(function () {
  var printButton = document.getElementById("print");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  // Print the citations' clause texts too: open every closed <details> for printing, close them after.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details.citation:not([open]), details.reasons-box:not([open])");
    for (var i = 0; i < closed.length; i++) {
      closed[i].open = true;
      opened.push(closed[i]);
    }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) { opened.pop().open = false; }
  });
})();
