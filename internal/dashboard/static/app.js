// Switchboard's dashboard: reads GET api/apis once (and again after a deployment), then the
// event stream api/events (a "state" event every second, "frames" of the chosen connection).
// Everything is rendered with textContent: nothing the gateway reports is parsed as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const maxFrames = 200; // frames shown; the server keeps fewer per connection

  let apis = [];
  let api = 0; // index of the API shown
  let conn = ""; // id of the chosen connection
  let stream = null;
  let deployment = "";
  const shown = {}; // the last JSON rendered per section, to skip unchanged re-renders
  const rows = new Map(); // connection id -> its table row

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  function changed(key, value) {
    const s = JSON.stringify(value);
    if (shown[key] === s) return false;
    shown[key] = s;
    return true;
  }

  function notice(text, error) {
    const n = $("notice");
    n.textContent = text;
    n.dataset.kind = error ? "error" : "ok";
  }

  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min ago";
  }

  function clock(iso) {
    const d = new Date(iso);
    return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  }

  function tagText(tags) {
    return Object.entries(tags || {}).map(([k, v]) => k + "=" + v).join(", ");
  }

  function fmt(n, digits) {
    return n == null ? "–" : n.toFixed(digits);
  }

  // Location hash: #api=N&conn=ID, so that a reload shows the same thing.
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    api = Number(p.get("api") || 0) || 0;
    conn = p.get("conn") || "";
  }

  function writeHash() {
    const p = new URLSearchParams();
    if (api) p.set("api", api);
    if (conn) p.set("conn", conn);
    const h = p.toString();
    history.replaceState(null, "", h ? "#" + h : location.pathname);
  }

  async function call(path, body) {
    const r = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Switchboard-Dashboard": "1" },
      body: JSON.stringify(body || {}),
    });
    let out = {};
    try { out = await r.json(); } catch (e) { /* no body */ }
    if (!r.ok) throw new Error(out.message || r.status + " " + r.statusText);
    return out;
  }

  async function loadAPIs() {
    const r = await fetch("api/apis");
    if (!r.ok) throw new Error("api/apis: " + r.status);
    apis = await r.json();
    if (api >= apis.length) api = 0;
    const sel = $("api-select");
    sel.replaceChildren(...apis.map((a) => el("option", { value: a.index, text: a.name + " (" + a.stage + ")" })));
    sel.value = String(api);
    $("api-picker").hidden = apis.length < 2;
    renderAPI();
  }

  function renderAPI() {
    const a = apis[api];
    if (!a) return;
    deployment = a.deploymentId;
    document.title = a.name + " · Switchboard dashboard";
    $("route-table").tBodies[0].replaceChildren(...a.routes.map((r) => el("tr", {},
      el("th", { scope: "row" }, el("code", { text: r.key })),
      el("td", { text: r.target }),
      el("td", { text: r.returnResponse ? "yes" : "no" }),
      el("td", { text: r.iam ? "yes" : "no" }))));
    const dl = $("settings");
    dl.replaceChildren();
    for (const s of a.settings) dl.append(el("dt", { text: s.name }), el("dd", { text: s.value }));
  }

  function open() {
    if (stream) stream.close();
    let url = "api/events?api=" + api;
    if (conn) url += "&conn=" + encodeURIComponent(conn);
    stream = new EventSource(url);
    setLive("connecting", "Connecting…");
    stream.onopen = () => setLive("live", "Live");
    stream.onerror = () => setLive("down", "Disconnected; retrying…");
    stream.addEventListener("state", (e) => renderState(JSON.parse(e.data)));
    stream.addEventListener("frames", (e) => addFrames(JSON.parse(e.data)));
  }

  function setLive(state, text) {
    const l = $("live");
    if (l.dataset.state === state) return;
    l.dataset.state = state;
    l.textContent = text;
  }

  function renderState(s) {
    if (s.api !== api) return;
    setLive("live", "Live");
    if (s.deploymentId !== deployment) loadAPIs().catch((e) => notice(e.message, true));
    renderConnections(s.connections);
    renderConn(s.conn);
    renderTraffic(s.traffic);
    renderFunctions(s.functions);
  }

  function renderConnections(c) {
    $("conn-count").textContent = c.count;
    $("conn-empty").hidden = c.items.length > 0;
    const more = $("conn-more");
    more.hidden = !c.next;
    more.textContent = c.next ? "Showing the first " + c.items.length + " by id." : "";
    const body = $("conn-table").tBodies[0];
    const keep = new Set(c.items.map((i) => i.id));
    for (const [id, tr] of rows) {
      if (!keep.has(id)) { tr.remove(); rows.delete(id); }
    }
    let prev = null;
    for (const item of c.items) {
      let tr = rows.get(item.id);
      if (!tr) {
        const b = el("button", { type: "button", class: "link", text: item.id });
        b.addEventListener("click", () => choose(item.id));
        tr = el("tr", { "data-id": item.id }, el("th", { scope: "row" }, b), el("td"), el("td"), el("td"));
        rows.set(item.id, tr);
      }
      tr.cells[1].textContent = ago(item.connectedAt);
      tr.cells[1].title = new Date(item.connectedAt).toLocaleString();
      tr.cells[2].textContent = item.sourceIp;
      tr.cells[3].textContent = tagText(item.tags);
      if (item.id === conn) tr.setAttribute("aria-current", "true");
      else tr.removeAttribute("aria-current");
      const want = prev ? prev.nextSibling : body.firstChild;
      if (want !== tr) body.insertBefore(tr, want);
      prev = tr;
    }
  }

  function choose(id) {
    conn = id;
    writeHash();
    $("frames").replaceChildren();
    shown.conn = undefined;
    $("conn").hidden = false;
    $("conn-id").textContent = id;
    $("conn-info").replaceChildren();
    $("conn-status").textContent = "";
    open();
    $("send-data").focus();
  }

  function deselect() {
    const id = conn;
    conn = "";
    writeHash();
    $("conn").hidden = true;
    open();
    const tr = rows.get(id);
    if (tr) tr.querySelector("button").focus();
    else $("conns-h").focus();
  }

  function renderConn(c) {
    const sec = $("conn");
    if (!c || c.id !== conn) { sec.hidden = !conn; return; }
    sec.hidden = false;
    $("conn-id").textContent = c.id;
    const open = !!c.connection;
    $("conn-status").textContent = open ? "open" : "closed";
    $("conn-status").dataset.state = open ? "open" : "closed";
    $("send").disabled = !open;
    $("close-conn").disabled = !open;
    $("frames-note").textContent = c.recorded ? "" : "The dashboard has not recorded frames of this connection.";
    if (!open || !changed("conn", c.connection)) return;
    const i = c.connection;
    const dl = $("conn-info");
    dl.replaceChildren();
    const fact = (k, v) => { if (v) dl.append(el("dt", { text: k }), el("dd", { text: v })); };
    fact("Connected", new Date(i.connectedAt).toLocaleString());
    fact("Last active", new Date(i.lastActiveAt).toLocaleString());
    fact("Source IP", i.sourceIp);
    fact("User agent", i.userAgent);
    fact("Principal", i.principalId);
    fact("Tags", tagText(i.tags));
  }

  function addFrames(ev) {
    if (ev.id !== conn) return;
    const list = $("frames");
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    for (const f of ev.frames) {
      const dir = f.in ? "in" : "out";
      let data = f.data;
      if (f.binary) data = "(binary, base64) " + data;
      if (f.truncated) data += " …";
      list.append(el("li", { class: "frame " + dir, "data-dir": dir, "data-seq": f.seq },
        el("span", { class: "dir", "aria-hidden": "true", text: f.in ? "→" : "←" }),
        el("span", { class: "sr-only", text: f.in ? "From the client" : "To the client" }),
        el("time", { datetime: f.at, text: clock(f.at) }),
        el("span", { class: "size", text: f.size + " B" }),
        el("code", { class: "data", text: data })));
    }
    while (list.children.length > maxFrames) list.firstChild.remove();
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function renderTraffic(t) {
    if (!changed("traffic", t)) return;
    const note = $("traffic-note");
    const over = t.window >= 1 ? "Rates and integration latencies over the last " + Math.round(t.window) + " s" : "Rates and latencies start with the next sample";
    if (!t.enabled) note.textContent = "Metrics are off for this API.";
    else if (!t.detailed) note.textContent = "The stage as a whole: per-route rows need stage.detailedMetrics. " + over + "; counts since start.";
    else note.textContent = over + "; counts since start. Messages dropped on full send queues: " + t.dropped + ".";
    $("traffic-table").tBodies[0].replaceChildren(...t.rows.map((r) => el("tr", {},
      el("th", { scope: "row" }, r.route ? el("code", { text: r.route }) : "Whole stage"),
      el("td", { text: fmt(r.messageRate, 1) }),
      el("td", { text: fmt(r.errorRate, 1) }),
      el("td", { text: r.latencyP50Ms == null ? "–" : fmt(r.latencyP50Ms, 1) + " ms" }),
      el("td", { text: r.latencyP99Ms == null ? "–" : fmt(r.latencyP99Ms, 1) + " ms" }),
      el("td", { text: r.messages }),
      el("td", { text: r.errors }))));
  }

  function renderFunctions(fns) {
    $("functions-empty").hidden = fns.length > 0;
    if (!changed("functions", fns)) return;
    const list = $("function-list");
    const scroll = {};
    for (const pre of list.querySelectorAll("pre[data-name]")) scroll[pre.dataset.name] = pre.scrollTop;
    list.replaceChildren(...fns.map((f) => {
      const head = el("h3", {}, el("code", { text: f.name }));
      const facts = el("p", { class: "hint", text:
        (f.route ? "Route " + f.route + " · " : "") + f.handler + (f.runtime ? " (" + f.runtime + ")" : "") +
        " · " + f.invocations + " invocations, " + f.errors + " errors, " + f.throttles + " throttles, " +
        f.coldStarts + " cold starts · up to " + f.maxConcurrency + " workers" });
      let workers;
      if (!f.started || !f.workers || f.workers.length === 0) {
        workers = el("p", { class: "empty", text: f.started ? "No workers running." : "Not started yet." });
      } else {
        workers = el("div", { class: "table-wrap" }, el("table", {},
          el("caption", { class: "sr-only", text: "Workers of " + f.name }),
          el("thead", {}, el("tr", {}, ...["Worker", "PID", "State", "Invocations", "Started"].map((h) => el("th", { scope: "col", text: h })))),
          el("tbody", {}, ...f.workers.map((w) => el("tr", {},
            el("th", { scope: "row", text: "#" + w.num }),
            el("td", { text: w.pid || "–" }),
            el("td", {}, el("span", { class: "state " + w.state, text: w.state })),
            el("td", { text: w.invocations }),
            el("td", { text: ago(w.started) }))))));
      }
      const lines = (f.logs || []).map((l) => clock(l.at) + " #" + l.worker + " " + l.stream + " " + l.text).join("\n");
      const logs = el("pre", { class: "logs", "data-name": f.name, tabindex: "0", "aria-label": "Latest output of " + f.name, text: lines || "No output yet." });
      return el("article", { class: "function" }, head, facts, workers, logs);
    }));
    for (const pre of list.querySelectorAll("pre[data-name]")) {
      if (pre.dataset.name in scroll) pre.scrollTop = scroll[pre.dataset.name];
      else pre.scrollTop = pre.scrollHeight;
    }
  }

  function parseTags(s) {
    const tags = {};
    for (const part of s.split(",")) {
      const p = part.trim();
      if (!p) continue;
      const i = p.indexOf("=");
      if (i <= 0) throw new Error("Tags are name=value pairs: " + p);
      tags[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return tags;
  }

  function wire() {
    $("api-select").addEventListener("change", (e) => {
      api = Number(e.target.value);
      conn = "";
      $("conn").hidden = true;
      for (const tr of rows.values()) tr.remove();
      rows.clear();
      for (const k of Object.keys(shown)) delete shown[k];
      writeHash();
      renderAPI();
      open();
    });
    $("send-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = $("send-data").value;
      try {
        await call("api/apis/" + api + "/connections/" + encodeURIComponent(conn) + "/messages", { data });
        notice("Sent " + data.length + " characters to " + conn + ".");
        $("send-data").value = "";
      } catch (err) {
        notice("Send failed: " + err.message, true);
      }
    });
    $("close-conn").addEventListener("click", async () => {
      try {
        await call("api/apis/" + api + "/connections/" + encodeURIComponent(conn) + "/close");
        notice("Closed " + conn + ".");
      } catch (err) {
        notice("Close failed: " + err.message, true);
      }
    });
    $("deselect").addEventListener("click", deselect);
    $("broadcast-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const tags = parseTags($("broadcast-tags").value);
        const out = await call("api/apis/" + api + "/broadcast", { data: $("broadcast-data").value, tags });
        notice("Broadcast sent to " + out.sent + " connections" + (out.dropped ? ", dropped for " + out.dropped : "") + ".");
      } catch (err) {
        notice("Broadcast failed: " + err.message, true);
      }
    });
    $("conns-h").tabIndex = -1;
  }

  readHash();
  wire();
  if (conn) {
    $("conn").hidden = false;
    $("conn-id").textContent = conn;
  }
  loadAPIs().then(open, (e) => notice("Cannot load the APIs: " + e.message, true));
})();
