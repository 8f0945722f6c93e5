// Hosted checkout: the time left on the order, counting down (the server rendered the start).
(function () {
  var el = document.getElementById("time-left");
  if (!el) return;
  var end = new Date(el.dataset.expires).getTime();
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    el.textContent = h ? h + ":" + pad(m) + ":" + pad(sec) : m + ":" + pad(sec);
    if (s === 0) { clearInterval(timer); setTimeout(function () { window.location.reload(); }, 1500); }
  }
  var timer = setInterval(tick, 1000);
})();
