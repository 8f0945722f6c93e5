// "Starting your payment": ask for the same payment step again after a moment.
(function () {
  var form = document.getElementById("ask-again");
  if (!form) return;
  setTimeout(function () {
    if (form.method.toLowerCase() === "get") window.location.replace(form.action);
    else form.submit();
  }, parseInt(form.getAttribute("data-delay"), 10) || 1000);
})();
