/* Manual order entry: asks the server for a quote (the lines priced as placement will price
   them) whenever a line, the retailer or the payment method changes, and shows it beside the
   lines. The server owns every figure; this only displays them. */
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    const form = document.getElementById("manual-order");
    if (!form) return;
    const totals = document.getElementById("quote-totals");
    let timer = null;
    let asked = 0;

    function cell(row, name) {
      return row.querySelector('[data-quote="' + name + '"]');
    }

    function show(answer) {
      const rows = Array.from(form.querySelectorAll("tr[data-line]"));
      const byProduct = new Map();
      (answer.lines || []).forEach(function (line) {
        if (!byProduct.has(line.product_id)) byProduct.set(line.product_id, []);
        byProduct.get(line.product_id).push(line);
      });
      rows.forEach(function (row) {
        const select = row.querySelector("select");
        const queue = select && byProduct.get(select.value);
        const line = queue && queue.length ? queue.shift() : null;
        cell(row, "unit").textContent = line ? line.unit_price_display : "";
        cell(row, "total").textContent = line ? line.total_display : "";
        cell(row, "problem").textContent = line ? line.problem : "";
      });
      totals.replaceChildren();
      ((answer.totals && answer.totals.display) || []).forEach(function (pair) {
        const tr = document.createElement("tr");
        const th = document.createElement("th");
        const td = document.createElement("td");
        th.textContent = pair[0];
        const amount = document.createElement("bdi");
        amount.dir = "ltr";
        amount.textContent = pair[1];
        td.appendChild(amount);
        tr.append(th, td);
        totals.appendChild(tr);
      });
    }

    function ask() {
      const ticket = ++asked;
      fetch(form.dataset.quoteUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (answer && ticket === asked) show(answer);
        })
        .catch(function () {
          /* the preview is a help; the submit still checks everything */
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    }

    form.addEventListener("input", later);
    if (window.django && window.django.jQuery) {
      window.django.jQuery(form).on("change", later); /* select2 announces its choice through jQuery */
    } else {
      form.addEventListener("change", later);
    }
    ask();
  });
})();
