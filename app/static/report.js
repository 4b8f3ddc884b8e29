// Self-service on the report form (app/kb.py): while the reporter types, show
// matching knowledge-base articles and any open major incident on the chosen
// service, with "subscribe me to updates". Served as a file: CSP script-src 'self'.
(function () {
  "use strict";
  var panel = document.getElementById("selfservice");
  var form = panel && document.querySelector("form[enctype='multipart/form-data']");
  if (!panel || !form) { return; }
  var timer = null;
  var last = "";

  function field(name) { return form.elements.namedItem(name); }
  function value(name) { var f = field(name); return f ? f.value : ""; }

  function fill(list, items, render) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) { list.appendChild(render(item)); });
  }

  function articleItem(a) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = a.url; link.target = "_blank"; link.rel = "noopener"; link.textContent = a.title;
    var snippet = document.createElement("small");
    snippet.textContent = " " + a.snippet;
    li.appendChild(link); li.appendChild(snippet);
    return li;
  }

  function majorItem(m) {
    var li = document.createElement("li");
    li.textContent = m.ref + " " + m.subject + " (" + m.status + ")";
    return li;
  }

  function show(data) {
    var kb = document.getElementById("kb-suggestions");
    var major = document.getElementById("major-incidents");
    fill(kb.querySelector("ul"), data.articles, articleItem);
    fill(major.querySelector("ul"), data.major, majorItem);
    kb.hidden = data.articles.length === 0;
    major.hidden = data.major.length === 0;
    panel.hidden = kb.hidden && major.hidden;
  }

  function lookup() {
    var q = value("summary") + " " + value("description");
    var key = value("service") + "|" + q;
    if (key === last) { return; }
    last = key;
    var url = panel.dataset.suggestUrl + "?service=" + encodeURIComponent(value("service")) +
      "&q=" + encodeURIComponent(q.slice(0, 2000));
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }

  function later() { clearTimeout(timer); timer = setTimeout(lookup, 300); }

  function subscribe() {
    var result = document.getElementById("subscribe-result");
    var body = new FormData();
    body.append("csrf_token", value("csrf_token"));
    body.append("email", value("email"));
    body.append("name", value("name"));
    body.append("service", value("service"));
    fetch(panel.dataset.subscribeUrl, { method: "POST", body: body })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        result.textContent = data.ok ? data.message : "Please check: " + data.error;
      })
      .catch(function () { result.textContent = "That did not work; please try again."; });
  }

  ["summary", "description"].forEach(function (name) {
    var f = field(name); if (f) { f.addEventListener("input", later); }
  });
  var service = field("service");
  if (service) { service.addEventListener("change", lookup); }
  document.getElementById("subscribe-updates").addEventListener("click", subscribe);
  lookup();
}());
