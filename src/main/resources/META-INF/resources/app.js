// The page's only script: the person's time zone for the server, the CSRF token on every htmx request,
// a notice while the server is away or refuses a request, and the call history panel's Close button.
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
    // A call's history answers 404 with a message when the call is gone (deleted while its panel was open):
    // show the message, which also ends the panel's refresh.
    document.body.addEventListener("htmx:beforeSwap", function (e) {
        if (e.detail.xhr.status === 404 && e.detail.target && e.detail.target.id === "timeline") {
            e.detail.shouldSwap = true;
            e.detail.isError = false;
        }
    });
    // The row whose history is open is highlighted, again after each refresh of the table.
    function markOpenRow() {
        var timeline = document.getElementById("timeline");
        var open = timeline && timeline.dataset.callId;
        document.querySelectorAll("#calls tbody tr").forEach(function (row) {
            row.classList.toggle("open", !!open && row.id === "call-" + open);
        });
    }
    document.body.addEventListener("htmx:afterSwap", function (e) {
        document.querySelectorAll("[data-zone]").forEach(function (el) { el.textContent = "(" + zone + ")"; });
        markOpenRow();
        var opener = e.detail.requestConfig && e.detail.requestConfig.elt;
        if (opener && opener.hasAttribute("data-opens-timeline")) {
            // To the history just opened, scrolled into view when it is not, for keyboard and phone users too.
            var timeline = document.getElementById("timeline");
            var title = document.getElementById("timeline-title");
            if (timeline && title) {
                timeline.scrollIntoView({ block: "nearest" });
                title.focus({ preventScroll: true });
            }
        }
    });
    document.body.addEventListener("click", function (e) {
        var close = e.target.closest("[data-closes-timeline]");
        if (!close) { return; }
        var timeline = document.getElementById("timeline");
        var id = timeline.dataset.callId;
        var empty = document.createElement("div");
        empty.id = "timeline";
        // htmx stops polling an element once it has left the page.
        timeline.replaceWith(empty);
        markOpenRow();
        var row = document.getElementById("call-" + id);
        var history = row && row.querySelector("[data-opens-timeline]");
        if (history) { history.focus(); }
    });
    // The first render used UTC; show the table in the person's zone straight away.
    htmx.trigger(document.body, "calls-changed");
})();
