// Search-as-you-type for pickers (bottlenecks to add to a road block, an event's agenda items).
// Progressive enhancement: without JavaScript the Search button reloads the page with the matches.
(function () {
  "use strict";
  if (!window.fetch) return;
  document.querySelectorAll("input[data-picker-url]").forEach(function (input) {
    var results = document.getElementById(input.getAttribute("aria-controls"));
    var status = document.getElementById(input.dataset.pickerStatus);
    var timer = null;
    var last = input.value.trim();

    function refresh() {
      var search = input.value.trim();
      if (search === last) return;
      last = search;
      var query = new URLSearchParams({q: search}).toString();
      fetch(input.dataset.pickerUrl + "?" + query, {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
        .then(function (html) {
          if (search !== last) return;  // a newer search is under way
          results.innerHTML = html;
          var found = results.querySelector("[data-status]");
          status.textContent = found ? found.dataset.status : "";
          // Reloading or going back shows the same matches, as the Search button would.
          history.replaceState(history.state, "", "?" + query + location.hash);
        })
        .catch(function () { /* the Search button still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  });
})();
