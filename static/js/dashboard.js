// Dashboard: confirmations before destructive forms, copy buttons, and job progress.
(function () {
  document.documentElement.classList.add("js");

  // Narrow screens: the navigation folds behind a "Menu" button.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("dash-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Period pickers: the two dates only matter for a custom period.
  Array.prototype.forEach.call(document.querySelectorAll("[data-period-form]"), function (form) {
    var select = form.querySelector("select[name=period]");
    function sync() { form.classList.toggle("custom", select.value === "custom"); }
    select.addEventListener("change", sync);
    Array.prototype.forEach.call(form.querySelectorAll("input[type=date]"), function (input) {
      input.addEventListener("change", function () { select.value = "custom"; sync(); });
    });
    sync();
  });

  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) return;
    var el = document.querySelector(btn.getAttribute("data-copy"));
    if (!el || !navigator.clipboard) return;
    navigator.clipboard.writeText(el.textContent.trim()).then(function () {
      btn.textContent = "Copied";
    }, function () { btn.textContent = "Select and copy"; });
  });

  var job = document.getElementById("job");
  if (!job) return;
  var state = document.getElementById("job-state");
  var stateCode = document.getElementById("job-state-code");
  var bar = document.getElementById("job-bar");
  var count = document.getElementById("job-count");
  var error = document.getElementById("job-error");
  var download = document.getElementById("job-download");
  var progress = job.querySelector("[role=progressbar]");

  function show(info) {
    state.textContent = info.stateText;
    stateCode.textContent = info.state;
    bar.style.width = info.percent + "%";
    progress.setAttribute("aria-valuenow", String(info.percent));
    count.textContent = info.progress + (info.total ? " of " + info.total : "");
    if (info.download) { download.href = info.download; download.hidden = false; }
    if (info.restarts) {
      document.getElementById("job-restart-count").textContent = String(info.restarts);
      document.getElementById("job-restarts").hidden = false;
    }
    if (info.state === "failed") { error.textContent = "The job failed (" + info.error + "). Try again."; error.hidden = false; }
    job.dataset.state = info.state;
  }

  function poll() {
    if (job.dataset.state === "done" || job.dataset.state === "failed") return;
    fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(show)
      .catch(function () { /* transient; try again */ })
      .finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
