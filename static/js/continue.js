// The payment step's page: leave for the link's target at once (the link itself stays visible).
(function () {
  var go = document.getElementById("continue");
  if (go) window.location.replace(go.href);
})();
