// /docs/: the examples of each call become tabs (curl, Python, PHP); without script all are shown.
(function () {
  document.documentElement.classList.add("js");
  Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), function (box, n) {
    var tabs = box.querySelectorAll(".code-tab");
    if (tabs.length < 2) return;
    var bar = document.createElement("div");
    bar.className = "tab-buttons";
    bar.setAttribute("role", "tablist");
    Array.prototype.forEach.call(tabs, function (tab, i) {
      var id = "tab-" + n + "-" + i;
      tab.id = id;
      tab.setAttribute("role", "tabpanel");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "tab");
      button.setAttribute("aria-controls", id);
      button.textContent = tab.querySelector("h4").textContent;
      button.addEventListener("click", function () { show(i); });
      bar.appendChild(button);
    });
    box.insertBefore(bar, box.firstChild);
    function show(active) {
      Array.prototype.forEach.call(tabs, function (tab, i) {
        tab.hidden = i !== active;
        bar.children[i].setAttribute("aria-selected", i === active ? "true" : "false");
      });
    }
    box.setAttribute("data-ready", "");
    show(0);
  });
})();
