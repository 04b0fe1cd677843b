// A form that came back with errors: move focus to the error summary, so a screen reader announces it
// and the keyboard starts from the list of links to each field (the GOV.UK pattern).
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
