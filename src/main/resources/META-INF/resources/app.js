// The page's only script: the person's time zone for the server, the CSRF token on every htmx request,
// and a notice while the server is away or refuses a request.
(function () {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    document.getElementById("tz").value = zone;
    document.querySelectorAll("[data-zone]").forEach(function (el) { el.textContent = "(" + zone + ")"; });
    var csrfHeader = document.querySelector("meta[name=csrf-header]").content;
    var csrfToken = document.querySelector("meta[name=csrf-token]").content;
    document.body.addEventListener("htmx:configRequest", function (e) {
        e.detail.headers[csrfHeader] = csrfToken;
    });
    var offline = document.getElementById("offline");
    var problem = document.getElementById("problem");
    document.body.addEventListener("htmx:sendError", function () { offline.hidden = false; });
    document.body.addEventListener("htmx:responseError", function (e) {
        var xhr = e.detail.xhr;
        if (xhr.status === 429) {
            problem.textContent = "Too many calls scheduled at once. Try again in "
                + (xhr.getResponseHeader("Retry-After") || "a few") + " seconds.";
        } else if (xhr.status === 400 || xhr.status === 401 || xhr.status === 403) {
            problem.textContent = "This page has expired. Reload it to go on.";
        } else {
            offline.hidden = false;
            return;
        }
        problem.hidden = false;
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
        if (e.detail.successful) {
            offline.hidden = true;
            if (e.detail.requestConfig.verb !== "get") { problem.hidden = true; }
        }
    });
    document.body.addEventListener("htmx:afterSwap", function () {
        document.querySelectorAll("[data-zone]").forEach(function (el) { el.textContent = "(" + zone + ")"; });
    });
    // The first render used UTC; show the table in the person's zone straight away.
    htmx.trigger(document.body, "calls-changed");
})();
