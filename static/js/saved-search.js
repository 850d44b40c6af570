/* "Save this search" (templates/directory/saved_searches/_save.html). The form is outside the search form, so when
 * HTMX updates the results without a page load, copy the search's current parameters into the hidden
 * field, and the search words into the name unless the person has typed a name of their own. Without
 * JavaScript every search is a page load and the server fills both. */
(function () {
  "use strict";

  function sync() {
    var search = document.getElementById("search-form");
    var save = document.getElementById("save-search-form");
    if (!search || !save) {
      return;
    }
    var params = new URLSearchParams(new FormData(search));
    params.delete("page");
    save.elements.query.value = params.toString();
    var name = save.elements.name;
    if (name && name.dataset.edited !== "true") {
      name.value = params.get("q") || "";
    }
  }

  function start() {
    var save = document.getElementById("save-search-form");
    if (!save) {
      return;
    }
    save.elements.name.addEventListener("input", function () {
      save.elements.name.dataset.edited = "true";
    });
    document.body.addEventListener("htmx:afterSettle", sync);
    save.addEventListener("submit", sync);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
