// The page's only script: the person's time zone for the server, the CSRF token on every htmx request,
// a notice while the server is away or refuses a request, the call history panel's Close button, the
// Reschedule forms (the new time where the callee is; the refresh waits while one is open), and step 2 of the
// CSV import (the checked file sent in batches of up to 1,000 rows, with a progress bar and a summary).
(function () {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    // As an attribute too, so that a page htmx restores from its history (Back after a search) still has it.
    document.getElementById("tz").setAttribute("value", zone);
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
        } else if (xhr.status === 413) {
            problem.textContent = "That file is too large for the page: at most 5 MB.";
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
    // The table and an open history refresh themselves every 3 s; not while a Reschedule form is open in them,
    // which the refresh would close under the person's fingers.
    document.body.addEventListener("htmx:confirm", function (e) {
        var elt = e.detail.elt;
        if (e.detail.verb !== "get" || !elt) { return; }
        if ((elt.id === "calls" && elt.querySelector("[data-reschedule]:not([hidden])"))
                || (elt.id === "timeline" && elt.querySelector("details[data-reschedule-panel][open]"))) {
            e.preventDefault();
        }
    });
    // The CSV file is checked for its size before it is sent.
    var MAX_FILE_BYTES = 5 * 1024 * 1024;
    document.body.addEventListener("htmx:confirm", function (e) {
        if (!e.detail.elt || e.detail.elt.id !== "import-form") { return; }
        var input = document.getElementById("import-file");
        var file = input.files && input.files[0];
        var message = !file ? "Choose a CSV file to import."
            : file.size > MAX_FILE_BYTES ? file.name + " is " + (file.size / 1048576).toFixed(1)
                + " MB: the largest file the page takes is 5.0 MB (about 50,000 calls). Split it, or send it to POST /api/calls/batch."
            : null;
        if (message) {
            e.preventDefault();
            var refused = document.createElement("p");
            refused.className = "notice danger import-refused";
            refused.setAttribute("role", "alert");
            refused.textContent = message;
            document.getElementById("import-result").replaceChildren(refused);
        }
    });
    // A Reschedule form shows the new time where the callee is, as it is typed.
    function calleePreview(input) {
        var out = input.form && input.form.querySelector("[data-callee-preview]");
        var calleeZone = input.dataset.calleeZone;
        if (!out || !calleeZone || !input.value) { return; }
        var when = new Date(input.value);
        if (isNaN(when.getTime())) { return; }
        var parts = {};
        new Intl.DateTimeFormat("en-GB", { timeZone: calleeZone, weekday: "short", hour: "2-digit", minute: "2-digit",
            hourCycle: "h23" }).formatToParts(when).forEach(function (p) { parts[p.type] = p.value; });
        out.textContent = parts.hour + ":" + parts.minute + " " + parts.weekday + ", callee (" + calleeZone + ")";
    }
    document.body.addEventListener("input", function (e) {
        if (e.target.matches && e.target.matches("[data-callee-zone]")) { calleePreview(e.target); }
    });
    document.body.addEventListener("click", function (e) {
        var toggle = e.target.closest("[data-toggles-reschedule]");
        if (toggle) {
            var panel = document.getElementById(toggle.dataset.togglesReschedule);
            if (!panel) { return; }
            panel.hidden = !panel.hidden;
            document.querySelectorAll("[aria-controls='" + panel.id + "']").forEach(function (b) {
                b.setAttribute("aria-expanded", String(!panel.hidden));
            });
            var input = panel.querySelector("input[type=datetime-local]");
            if (!panel.hidden && input) { input.focus(); }
            return;
        }
        var start = e.target.closest("#import-start");
        if (start) {
            runImport(start);
            return;
        }
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
    // ---- CSV import, step 2: the file that the preview found good, in batches of up to 1,000 rows.
    var BATCH_ROWS = 1000;

    // The file's records with the line each starts on, cut as the server reads them (RFC 4180, Apache Commons CSV):
    // a quote opens a quoted cell only at the start of a cell (elsewhere it is a quote like any character), two
    // quotes inside one are a quote, and a quoted cell's line breaks stay inside its record.
    function records(text) {
        var out = [];
        var start = 0;
        var line = 1;
        var startLine = 1;
        var quoted = false;
        var cellStart = true;
        for (var i = 0; i < text.length; i++) {
            var c = text.charCodeAt(i);
            var crlf = c === 13 && text.charCodeAt(i + 1) === 10;
            if (quoted) {
                if (c === 34) {
                    if (text.charCodeAt(i + 1) === 34) { i++; } else { quoted = false; }
                } else if (c === 10 || (c === 13 && !crlf)) {
                    line++;
                }
            } else if (c === 34 && cellStart) {
                quoted = true;
                cellStart = false;
            } else if (c === 10 || c === 13) {
                out.push({ line: startLine, text: text.slice(start, i) });
                if (crlf) { i++; }
                line++;
                start = i + 1;
                startLine = line;
                cellStart = true;
            } else {
                cellStart = c === 44;
            }
        }
        if (start < text.length) { out.push({ line: startLine, text: text.slice(start) }); }
        return out;
    }

    function blank(record) { return record.text.replace(/[",\s]/g, "") === ""; }

    // Batches of consecutive records (blank ones kept, so that the server counts the file's lines), each with up
    // to 1,000 rows and the header line first.
    function batches(text) {
        if (text.charCodeAt(0) === 0xFEFF) { text = text.slice(1); }
        var all = records(text);
        var header = all.shift();
        var out = [];
        var current = [];
        var rows = 0;
        function close() {
            if (rows > 0) {
                out.push({ line: current[0].line, first: current[0].line, last: current[current.length - 1].line,
                    rows: rows, body: header.text + "\r\n" + current.map(function (r) { return r.text; }).join("\r\n") });
            }
            current = [];
            rows = 0;
        }
        all.forEach(function (record) {
            if (rows === 0 && blank(record)) { return; }
            current.push(record);
            if (!blank(record)) { rows++; }
            if (rows === BATCH_ROWS) { close(); }
        });
        close();
        return out;
    }

    function randomKey() {
        var bytes = new Uint8Array(12);
        crypto.getRandomValues(bytes);
        return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    }

    function pause(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

    // Sends one batch; a network error, a 5xx, a 409 (the same batch still being stored) or a 429 is tried again
    // with the same Idempotency-Key, so a batch that was stored before its answer got lost is not stored twice.
    async function sendBatch(batch, key) {
        for (var attempt = 1; ; attempt++) {
            var response = null;
            try {
                var headers = { "Content-Type": "text/csv; charset=utf-8", "Idempotency-Key": key };
                headers[csrfHeader] = csrfToken;
                response = await fetch("/csv/import/batch?line=" + batch.line, { method: "POST", headers: headers,
                    body: batch.body, credentials: "same-origin" });
            } catch (networkError) {
                response = null;
            }
            if (response && response.status !== 409 && response.status !== 429 && response.status < 500) {
                var body;
                try { body = await response.json(); } catch (notJson) { body = { error: "The server answered " + response.status + "." }; }
                return { ok: response.status === 201, body: body };
            }
            if (attempt >= 6) {
                return { ok: false, body: { error: response ? "The server answered " + response.status + "."
                    : "The server could not be reached." } };
            }
            var retryAfter = response && Number(response.headers.get("Retry-After"));
            await pause(retryAfter ? retryAfter * 1000 : 500 * Math.pow(2, attempt - 1));
        }
    }

    function number(n) { return n.toLocaleString("en"); }

    async function runImport(button) {
        var input = document.getElementById("import-file");
        var file = input.files && input.files[0];
        var preview = button.closest(".import-preview");
        var progress = preview.querySelector("#import-progress");
        var status = preview.querySelector("#import-status");
        var summary = preview.querySelector("#import-summary");
        if (!file) {
            summary.className = "notice danger";
            summary.textContent = "Choose the file again: the page no longer has it.";
            return;
        }
        button.disabled = true;
        document.getElementById("import-form").querySelectorAll("input, button").forEach(function (el) { el.disabled = true; });
        var all = batches(await file.text());
        var total = all.reduce(function (sum, b) { return sum + b.rows; }, 0);
        progress.max = total;
        progress.value = 0;
        preview.querySelector(".import-progress").hidden = false;
        var importKey = randomKey();
        var imported = 0;
        var failed = [];
        for (var i = 0; i < all.length; i++) {
            status.textContent = "Sending batch " + (i + 1) + " of " + all.length + "…";
            var result = await sendBatch(all[i], "page-import-" + importKey + "-" + i);
            if (result.ok) {
                imported += result.body.imported;
            } else {
                failed.push({ batch: all[i], body: result.body });
            }
            progress.value = progress.value + all[i].rows;
            status.textContent = "Batch " + (i + 1) + " of " + all.length + ": " + number(imported) + " of "
                + number(total) + " calls imported.";
            document.body.dispatchEvent(new CustomEvent("import-progress", { detail: { batch: i + 1,
                batches: all.length, imported: imported, sent: progress.value, total: total } }));
        }
        summary.replaceChildren();
        summary.className = failed.length ? "notice warning import-summary" : "notice success import-summary";
        summary.setAttribute("role", "status");
        var head = document.createElement("p");
        head.textContent = "Imported " + number(imported) + " of " + number(total) + " calls in " + all.length
            + (all.length === 1 ? " batch" : " batches") + (failed.length ? "; " + failed.length
            + (failed.length === 1 ? " batch" : " batches") + " failed and stored nothing:" : ".");
        summary.appendChild(head);
        if (failed.length) {
            var list = document.createElement("ul");
            list.className = "failed-batches";
            failed.forEach(function (f) {
                var item = document.createElement("li");
                var problems = f.body.problems || [];
                item.textContent = "Lines " + f.batch.first + " to " + f.batch.last + ": " + (problems.length
                    ? problems.slice(0, 5).join("; ") + (problems.length > 5 ? "; and " + (problems.length - 5) + " more" : "")
                    : f.body.error || "refused");
                list.appendChild(item);
            });
            summary.appendChild(list);
        }
        button.hidden = true;
        summary.scrollIntoView({ block: "nearest" });
        document.getElementById("import-form").querySelectorAll("input, button").forEach(function (el) { el.disabled = false; });
        htmx.trigger(document.body, "calls-changed");
    }

    // The first render used UTC; show the table in the person's zone straight away.
    htmx.trigger(document.body, "calls-changed");
})();
