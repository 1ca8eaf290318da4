// The page's only script: the person's time zone for the server, and a notice while the server is away.
(function () {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    document.getElementById("tz").value = zone;
    document.querySelectorAll("[data-zone]").forEach(function (el) { el.textContent = "(" + zone + ")"; });
    var offline = document.getElementById("offline");
    document.body.addEventListener("htmx:sendError", function () { offline.hidden = false; });
    document.body.addEventListener("htmx:responseError", function () { offline.hidden = false; });
    document.body.addEventListener("htmx:afterRequest", function (e) {
        if (e.detail.successful) { offline.hidden = true; }
    });
    document.body.addEventListener("htmx:afterSwap", function () {
        document.querySelectorAll("[data-zone]").forEach(function (el) { el.textContent = "(" + zone + ")"; });
    });
    // The first render used UTC; show the table in the person's zone straight away.
    htmx.trigger(document.body, "calls-changed");
})();
