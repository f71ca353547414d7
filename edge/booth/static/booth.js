/* The booth page: renders the lane's state from the live feed, and sends the officer's decision,
   the number of occupants the officer sees and which queued vehicle is really at the booth.
   Plain JavaScript, no build step. Everything from the server is inserted as text, never HTML. */
"use strict";
(function () {
  const T = window.BOOTH_I18N;
  const ACTIONS = { r: "release", f: "refer", d: "redirect" };
  const SILENCE_MS = 12000;        // no heartbeat for this long: the daemon is unreachable
  const RECONNECT_MS = 2000;       // when the browser gave up (EventSource CLOSED)
  let lang = localStorage.getItem("booth.lang") === "fr" ? "fr" : "en";
  let state = null;                // the last /api/v1/state or snapshot event
  let skew = 0;                    // server clock - browser clock (ms)
  let es = null;
  let lastMessage = 0;
  let online = false;
  let pending = null;              // {run} awaiting confirmation
  let busy = false;
  let refreshTimer = null;

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const t = (key, vars) => {
    const entry = T.ui[key];
    let s = entry ? entry[lang] : key;
    for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
    return s;
  };
  const tOr = (key, fallback) => (T.ui[key] ? t(key) : String(fallback).toUpperCase());
  const reasonText = (r) => r[lang] || (T.reasons[r.code] || {})[lang] || r.code;
  const docText = (code) => (T.documents[code] || {})[lang] || code;
  const errorText = (code) => (T.errors[code] || T.errors["booth.error"])[lang];
  const now = () => Date.now() + skew;

  // ---------------------------------------------------------------- rendering
  function render() {
    renderStatic();
    if (!state) return;
    renderLane();
    renderCrossing(state.current);
    renderLists();
  }

  function renderStatic() {
    document.documentElement.lang = lang;
    $("lang").textContent = t("lang_button");
    $("occ-title").textContent = t("occupants");
    $("rec-title").textContent = t("recommendation");
    $("note-label").textContent = t("note");
    $("queue-title").textContent = t("queue");
    $("recent-title").textContent = t("recent");
    $("keys").textContent = t("keys");
    $("wait-label").textContent = t("waiting");
    $("confirm-yes").textContent = t("confirm_yes");
    $("confirm-no").textContent = t("confirm_no");
    $("declare-label").textContent = t("declare");
    $("declare-btn").textContent = t("declare_button");
    $("empty").textContent = t("no_vehicle");
    for (const [key, action] of Object.entries(ACTIONS)) {
      const b = $("btn-" + action);
      b.textContent = "";
      b.append(el("span", "key", key.toUpperCase()), document.createTextNode(t("act_" + action)));
    }
    if (!$("banner").classList.contains("hidden")) showBanner(t("unreachable"));
  }

  function renderLane() {
    const lane = state.lane || {};
    $("lane-name").textContent = [lane.port, lane.id, (lane.kind || "").toUpperCase()].filter(Boolean).join(" · ");
    const mode = String(lane.mode || "open");
    const m = $("lane-mode");
    m.textContent = T.ui["mode_" + mode] ? t("mode_" + mode) : mode.toUpperCase();
    m.className = "mode mode-" + mode;
    renderLights(state.lights || {});
  }

  function renderLights(lights) {
    const symbols = { ok: "●", down: "✕", starting: "…", absent: "–", unknown: "?" };
    for (const name of ["mrz", "rfid", "camera", "sync"]) {
      const l = lights[name] || { state: "unknown" };
      const li = $("light-" + name);
      const st = symbols[l.state] ? l.state : "unknown";
      li.className = "light " + st;
      li.dataset.state = st;
      li.textContent = symbols[st] + " " + t("light_" + name) + " " + t("light_" + st);
      li.title = l.error_code || "";
    }
  }

  function renderCrossing(c) {
    const has = !!c;
    $("empty").classList.toggle("hidden", has);
    $("crossing").classList.toggle("hidden", !has);
    for (const action of Object.values(ACTIONS)) $("btn-" + action).disabled = !has || busy;
    $("declare-btn").disabled = !has || busy;
    $("declare-count").disabled = !has;
    if (!has) {
      $("rec").className = "rec rec-none";
      $("rec").textContent = "";
      $("score").textContent = "";
      $("reasons").textContent = "";
      $("versions").textContent = "";
      return;
    }
    // plate
    const p = c.plate;
    const plate = $("plate-text");
    plate.textContent = p ? p.text : t("plate_none");
    plate.classList.toggle("none", !p);
    const conf = $("plate-conf");
    conf.textContent = "";
    if (p) {
      conf.append(document.createTextNode(t("confidence") + " " + Math.round((p.confidence || 0) * 100) + " %"));
      if (p.low_confidence || (p.confidence || 0) < 0.6) conf.append(" ", el("span", "low", t("low_confidence")));
    }
    const crop = $("plate-crop");
    if (p && p.crop) { crop.src = p.crop; crop.alt = p.text; crop.classList.remove("hidden"); }
    else { crop.removeAttribute("src"); crop.classList.add("hidden"); }
    // lookouts
    const lk = $("lookouts");
    lk.textContent = "";
    for (const h of c.lookout_hits || []) {
      lk.append(el("div", "", t("lookout") + ": " + reasonText(h) + (h.detail ? " (" + h.detail + ")" : "")));
    }
    lk.classList.toggle("hidden", !(c.lookout_hits || []).length);
    renderOccupants(c);
    const count = $("declare-count");
    if (document.activeElement !== count) {
      count.value = c.occupants_declared === null || c.occupants_declared === undefined ? "" : c.occupants_declared;
    }
    renderRecommendation(c.recommendation);
    tick();
  }

  function renderOccupants(c) {
    const ul = $("occupants");
    ul.textContent = "";
    const occ = c.occupants || [];
    if (!occ.length) ul.append(el("li", "occupant", t("no_occupants")));
    for (const o of occ) {
      const li = el("li", "occupant");
      li.dataset.kind = o.kind;
      li.append(el("span", "kind", t(o.kind)));
      const who = el("span", "who");
      const name = [o.surname, o.given_names].filter(Boolean).join(", ");
      if (o.kind === "card") {
        who.textContent = name || o.card_id;
        if (!name) who.classList.add("mono");
        const sub = [o.programme, o.expiry ? t("expires") + " " + o.expiry : "", name ? o.card_id : ""];
        who.append(el("span", "sub", sub.filter(Boolean).join(" · ")));
        const s = o.status;
        const cls = s === "active" ? "good" : s ? "bad" : "neutral";
        li.append(who, el("span", "badge " + cls, s ? tOr("status_" + s, s) : t("card_read")));
      } else {
        who.textContent = name || o.document_number;
        const failed = (o.checks || []).filter((x) => !x.passed).map((x) => x.name);
        const errors = (o.errors || []).map(docText);
        const sub = [o.document_number, o.expiry ? t("expires") + " " + o.expiry : "",
          errors.length ? errors.join(" · ") : failed.length ? t("failed_checks") + ": " + failed.join(", ") : ""];
        who.append(el("span", "sub", sub.filter(Boolean).join(" · ")));
        const key = !o.valid ? "doc_invalid" : o.expired ? "doc_expired" : "doc_valid";
        li.append(who, el("span", "badge " + (key === "doc_valid" ? "good" : "bad"), t(key)));
      }
      ul.append(li);
    }
    if (c.occupants_declared !== null && c.occupants_declared !== undefined) {
      const li = el("li", "occupant declared", c.occupants_declared + " " + t("declared"));
      li.dataset.testid = "occupants-declared";
      ul.append(li);
    }
  }

  function renderRecommendation(r) {
    const rec = $("rec");
    for (const action of Object.values(ACTIONS)) $("btn-" + action).classList.remove("suggested");
    if (!r) {
      rec.className = "rec rec-none";
      rec.textContent = t("rec_pending");
      $("score").textContent = "";
      $("reasons").textContent = "";
      $("versions").textContent = "";
      return;
    }
    const s = r.suggested || "refer";
    rec.className = "rec rec-" + s;
    rec.dataset.suggested = s;
    rec.textContent = t("rec_" + s);
    $("btn-" + s).classList.add("suggested");
    $("score").textContent = r.score === null || r.score === undefined
      ? t("score") + ": " + t("score_none") : t("score") + ": " + Number(r.score).toFixed(2);
    const ul = $("reasons");
    ul.textContent = "";
    for (const x of r.reasons || []) {
      const cls = String(x.code).startsWith("lookout_") ? "lookout" : x.source === "model" ? "model" : "";
      const li = el("li", cls, reasonText(x));
      li.dataset.code = x.code;
      ul.append(li);
    }
    const v = r.versions || {};
    $("versions").textContent = t("versions") + ": " + Object.entries(v).map(([k, x]) => k + " " + x).join(" · ");
  }

  function renderLists() {
    const q = state.approaching || [];
    const ul = $("queue");
    const focused = document.activeElement && ul.contains(document.activeElement)
      ? document.activeElement.dataset.id : null;   // a live update must not steal the focus
    ul.textContent = "";
    if (!q.length) ul.append(el("li", "queued none", t("queue_none")));
    for (const x of q) {
      const li = el("li", "queued");
      li.dataset.id = x.id;
      li.dataset.testid = "queued";
      li.append(el("span", "queued-plate", (x.plate || "?") + (x.lookout ? " ⚠" : "")));
      if (x.state === "approaching") {
        const b = el("button", "arrive", t("arrive_button"));
        b.type = "button";
        b.dataset.id = x.id;
        b.dataset.testid = "arrive-btn";
        b.setAttribute("aria-label", t("arrive_label", { plate: x.plate || "?" }));
        b.disabled = busy;
        b.addEventListener("click", () => askArrive(x.id, x.plate || "?"));
        li.append(b);
      }
      ul.append(li);
    }
    if (focused) {
      const b = ul.querySelector("button[data-id=\"" + CSS.escape(focused) + "\"]") || ul.querySelector("button");
      if (b) b.focus();
    }
    const r = state.recent || [];
    $("recent").textContent = !r.length ? t("queue_none") : r.slice(0, 5).map((x) => (x.plate || "?") + " " +
      (x.decision ? tOr("act_" + x.decision, x.decision) : "")).join(" · ");
  }

  function tick() {
    const d = new Date(now());
    $("clock").textContent = d.toLocaleTimeString(lang === "fr" ? "fr-CA" : "en-CA", { hour12: false });
    const c = state && state.current;
    const w = $("wait");
    if (!c || !c.waiting_since) { w.textContent = "–"; return; }
    const secs = Math.max(0, Math.floor(now() / 1000 - c.waiting_since));
    w.textContent = Math.floor(secs / 60) + ":" + String(secs % 60).padStart(2, "0");
    w.classList.toggle("long", secs >= 60);
    if (!online && Date.now() - lastMessage > SILENCE_MS) showBanner(t("unreachable"));
  }

  // ---------------------------------------------------------------- banner, toast
  function showBanner(text) { const b = $("banner"); b.textContent = text; b.classList.remove("hidden"); }
  function hideBanner() { $("banner").classList.add("hidden"); }
  let toastTimer = null;
  function toast(text, error) {
    const x = $("toast");
    x.textContent = text;
    x.className = "toast" + (error ? " error" : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => x.classList.add("hidden"), error ? 6000 : 2500);
  }

  // ---------------------------------------------------------------- live feed
  function setOnline(on) {
    const was = online;
    online = on;
    if (!on) showBanner(t("unreachable"));
    else if (!was) hideBanner();
  }

  function connect() {
    if (es) es.close();
    es = new EventSource("/api/v1/events");
    es.onopen = () => { lastMessage = Date.now(); setOnline(true); };
    es.onerror = () => {
      setOnline(false);
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, RECONNECT_MS);
    };
    const on = (kind, fn) => es.addEventListener(kind, (ev) => {
      lastMessage = Date.now();
      setOnline(true);
      let data = {};
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (data.now) skew = data.now * 1000 - Date.now();
      fn(data);
    });
    on("snapshot", (d) => { state = d; render(); });
    on("heartbeat", () => {});
    on("device", (d) => { if (state) { state.lights = d.lights; renderLights(d.lights); } });
    on("sync", (d) => { if (state) { state.sync = d.sync; state.lights = d.lights; renderLights(d.lights); } });
    on("lane", (d) => { if (state) { state.lane = d.lane; renderLane(); } });
    for (const kind of ["crossing.new", "crossing.read", "crossing.at_booth", "crossing.recommendation",
      "crossing.decided", "crossing.closed", "crossing.update"]) {
      on(kind, (d) => {
        const c = d.crossing;
        if (state && c && state.current && state.current.id === c.id && !c.decision &&
            (c.state === "approaching" || c.state === "at_booth")) {
          state.current = c;
          renderCrossing(c);
        }
        scheduleRefresh();
      });
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 30);
  }

  async function refresh() {
    try {
      const r = await fetch("/api/v1/state", { cache: "no-store" });
      if (r.status === 401) { location.reload(); return; }
      if (!r.ok) return;
      const d = await r.json();
      if (d.now) skew = d.now * 1000 - Date.now();
      const changed = !state || !state.current || !d.current || state.current.id !== d.current.id;
      state = d;
      if (changed) $("note").value = "";
      render();
    } catch (e) {
      setOnline(false);
    }
  }

  // ---------------------------------------------------------------- deciding
  function ask(action) {
    const c = state && state.current;
    if (!c || busy) return;
    const suggested = c.recommendation && c.recommendation.suggested;
    if (suggested && suggested !== action) {
      confirm(t("confirm_against", { rec: t("rec_" + suggested), act: t("act_" + action) }),
              () => decide(c.id, action));
      return;
    }
    decide(c.id, action);
  }

  function confirm(text, run) {
    pending = { run: run };
    $("confirm-text").textContent = text;
    $("confirm").classList.remove("hidden");
    $("confirm-yes").focus();
  }

  function closeConfirm() { pending = null; $("confirm").classList.add("hidden"); }

  function confirmed() { const p = pending; closeConfirm(); if (p) p.run(); }

  // POST one officer action on a crossing; onOk(reply) when the lane took it, the error's
  // text otherwise. Clears `busy` and redraws either way.
  async function postAction(id, what, body, onOk) {
    try {
      const r = await fetch("/api/v1/crossings/" + encodeURIComponent(id) + "/" + what, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      let d = {};
      try { d = await r.json(); } catch (e) { d = {}; }
      if (r.ok) onOk(d); else toast(errorText(d.error && d.error.code), true);
    } catch (e) {
      toast(errorText("booth.network"), true);
      setOnline(false);
    } finally {
      busy = false;
      render();
      scheduleRefresh();
    }
  }

  async function decide(id, action) {
    busy = true;
    renderCrossing(state && state.current);
    await postAction(id, "decision", { action: action, note: $("note").value }, (d) => {
      toast(t("recorded", { act: t("act_" + action) }));
      $("note").value = "";
      if (state) state.current = d.next || null;
    });
  }

  // ---------------------------------------------------------------- occupants
  async function declareOccupants() {
    const c = state && state.current;
    const raw = $("declare-count").value.trim();
    if (!c || busy) return;
    const n = Number(raw);
    if (raw === "" || !Number.isInteger(n) || n < 0 || n > 20) { toast(errorText("booth.bad_occupants"), true); return; }
    busy = true;
    renderCrossing(state.current);
    await postAction(c.id, "occupants", { count: n }, (d) => {
      toast(t("declared_recorded", { n: n }));
      $("declare-count").blur();
      if (state && d.crossing && state.current && state.current.id === d.crossing.id) state.current = d.crossing;
    });
  }

  // ---------------------------------------------------------------- at booth
  // Bringing another vehicle to the booth closes the one there: if the officer has not decided
  // on it yet, ask first (its recommendation leaves the screen).
  function askArrive(id, plate) {
    const c = state && state.current;
    if (busy) return;
    if (c && c.id !== id && c.state === "at_booth" && !c.decision) {
      confirm(t("confirm_arrive", { plate: plate, current: (c.plate && c.plate.text) || "?" }),
              () => arriveAt(id, plate));
      return;
    }
    arriveAt(id, plate);
  }

  async function arriveAt(id, plate) {
    if (busy) return;
    busy = true;
    render();
    await postAction(id, "arrive", {}, (d) => {
      toast(t("arrived_recorded", { plate: plate }));
      $("note").value = "";
      if (state) state.current = d.current || null;
    });
  }

  // ---------------------------------------------------------------- input
  function onKey(ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const k = ev.key.toLowerCase();
    if (!$("confirm").classList.contains("hidden")) {
      if (k === "enter" || k === "y" || k === "o") { ev.preventDefault(); confirmed(); }
      else if (k === "escape" || k === "n") { ev.preventDefault(); closeConfirm(); }
      return;
    }
    if (ev.target && ev.target.id === "note") {
      if (k === "escape" || k === "enter") { ev.preventDefault(); ev.target.blur(); }
      return;
    }
    if (ev.target && ev.target.id === "declare-count") {
      if (k === "escape") { ev.preventDefault(); ev.target.blur(); }
      return;                      // Enter submits the form
    }
    if (ACTIONS[k]) { ev.preventDefault(); ask(ACTIONS[k]); }
    else if (k === "l") { ev.preventDefault(); switchLang(); }
    else if (k === "n") { ev.preventDefault(); $("note").focus(); }
    else if (k === "o") { ev.preventDefault(); $("declare-count").focus(); $("declare-count").select(); }
    else if (k === "a") {          // to the queue's "At booth" buttons; Tab moves on, Enter presses
      const b = $("queue").querySelector("button");
      if (b) { ev.preventDefault(); b.focus(); }
    }
  }

  function switchLang() {
    lang = lang === "en" ? "fr" : "en";
    localStorage.setItem("booth.lang", lang);
    render();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.addEventListener("keydown", onKey);
    for (const action of Object.values(ACTIONS)) $("btn-" + action).addEventListener("click", () => ask(action));
    $("lang").addEventListener("click", switchLang);
    $("confirm-yes").addEventListener("click", confirmed);
    $("confirm-no").addEventListener("click", closeConfirm);
    $("declare").addEventListener("submit", (ev) => { ev.preventDefault(); declareOccupants(); });
    renderStatic();
    connect();
    setTimeout(() => { if (!online) showBanner(t("unreachable")); }, 1500);
    setInterval(() => {
      tick();
      if (online && Date.now() - lastMessage > SILENCE_MS) { setOnline(false); connect(); }
    }, 1000);
  });
})();
