// While a coordinator types a new bottleneck, show similar bottlenecks and road blocks.
// Progressive enhancement: without JavaScript the "Check for similar bottlenecks" button does it.
(function () {
  "use strict";
  var region = document.getElementById("similar");
  if (!region || !window.fetch) return;
  var button = document.querySelector("[name=check_similar]");
  if (button) button.parentElement.hidden = true;  // suggestions now come while typing
  var title = document.getElementById("title");
  var description = document.getElementById("description");
  var timer = null;
  var last = "";

  function refresh() {
    var params = new URLSearchParams({
      title: title.value,
      description: description.value.slice(0, 1500),
    });
    var query = params.toString();
    if (query === last) return;
    last = query;
    fetch(region.dataset.similarUrl + "?" + query, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { region.innerHTML = html; })
      .catch(function () { /* suggestions are a help, not a must */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  title.addEventListener("input", later);
  description.addEventListener("input", later);
})();
