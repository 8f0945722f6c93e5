// OVO waiting page: a live countdown that follows the transaction's status and ends on the result.
(function () {
  var box = document.getElementById("wait");
  if (!box) return;
  var expires = new Date(box.dataset.expiresAt).getTime();
  var total = Math.max(1, Math.round((expires - Date.now()) / 1000));
  var counter = document.getElementById("countdown");
  var bar = document.getElementById("progress-bar");
  var status = document.getElementById("wait-status");
  var go = document.getElementById("continue");
  var actions = document.getElementById("wait-actions");
  var done = false;
  var d = box.dataset;
  var words = { paid: d.wordPaid, failed: d.wordFailed, expired: d.wordExpired, void: d.wordVoid,
                refund: d.wordRefund };

  function finish(word, url) {
    done = true;
    box.classList.add("wait-" + word);
    status.textContent = (words[word] || d.wordOther) + " " + d.wordLeaving;
    counter.textContent = "0";
    go.hidden = false;
    if (actions) actions.hidden = true;
    setTimeout(function () { window.location.href = url; }, 1500);
  }

  function tick() {
    if (done) return;
    var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    counter.textContent = String(left);
    bar.style.width = Math.round((100 * left) / total) + "%";
    if (left === 0) status.textContent = d.wordTimeup;
  }

  function poll() {
    if (done) return;
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (s.final) finish(s.word, s.returnUrl); })
      .catch(function () { status.textContent = d.wordOffline; })
      .finally(function () { if (!done) setTimeout(poll, 1500); });
  }

  tick();
  setInterval(tick, 1000);
  poll();
})();
