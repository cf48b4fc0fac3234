// Render every Vega-Lite spec of the page. Each chart element names, in data-spec, the id of a
// <script type="application/json"> block holding its spec; the table after it carries the same
// numbers for readers without the chart. Expressions run through vega-interpreter, so the
// Content-Security-Policy needs no 'unsafe-eval'; the tooltip handler and default style are off because
// they insert <style> elements, which the policy refuses.
(function () {
  "use strict";
  function render(el) {
    var block = document.getElementById(el.getAttribute("data-spec"));
    if (!block || typeof vegaEmbed !== "function") { return; }
    var spec = JSON.parse(block.textContent);
    vegaEmbed(el, spec, { actions: false, defaultStyle: false, tooltip: false, ast: true,
                          expr: vega.expressionInterpreter,
                          renderer: "svg" })
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) { el.setAttribute("data-error", String(err)); });
  }
  document.querySelectorAll("[data-spec]").forEach(render);
})();
