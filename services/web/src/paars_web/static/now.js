// Live prompts on the Now page over Server-Sent Events. The stream resumes after the newest prompt
// this page already shows (and the browser sends Last-Event-ID on its own reconnects), so a prompt
// never shows twice; one that is already on the page is skipped all the same.
(function () {
  "use strict";
  var list = document.getElementById("prompts");
  if (!list || !window.EventSource) {
    return;
  }
  var empty = document.getElementById("prompts-empty");
  var last = list.getAttribute("data-after") || "0";
  var stream = list.getAttribute("data-stream");

  function connect() {
    var source = new EventSource(stream + "?after=" + encodeURIComponent(last));
    source.addEventListener("prompt", function (event) {
      if (event.lastEventId) {
        last = event.lastEventId;
      }
      var holder = document.createElement("ol");
      holder.innerHTML = event.data;
      var item = holder.firstElementChild;
      if (!item || document.getElementById(item.id)) {
        return;
      }
      list.insertBefore(item, list.firstChild);
      if (empty) {
        empty.classList.add("hidden");
      }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(connect, 3000);
      }
    });
  }
  connect();
})();
