// Recall audit console. Plain JavaScript, no dependencies, no build step.
// The token lives in `session` only (memory): never in storage or a cookie.
"use strict";

const session = { token: "", id: "", role: "", username: "" };
const $ = (sel) => document.querySelector(sel);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// el builds an element; text is always set as textContent (never HTML).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function status(msg, bad) {
  const s = $("#status");
  s.textContent = msg || "";
  s.classList.toggle("bad", !!bad);
}

class APIError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || "HTTP " + status);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (session.token) headers.Authorization = "Bearer " + session.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit", cache: "no-store" });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (res.status === 401 && session.token) { logout("ended"); }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// ---- time and formatting ----
const fmtTime = (iso) => iso ? iso.replace("T", " ").replace(/(\.\d{3})\d*/, "$1").replace("Z", " UTC") : "";
function short(id) { return UUID.test(id || "") ? id.slice(0, 8) + "…" : (id || "—"); }

// ---- names of actors: one read per actor, cached ----
const names = new Map();
function actorName(id) {
  if (!UUID.test(id || "")) return Promise.resolve(id || "unknown");
  if (!names.has(id)) {
    names.set(id, api("GET", "/v1/users/" + id).then((u) => u.username, (e) => e.status === 410 ? "(deleted user)" : short(id)));
  }
  return names.get(id);
}
function actorLink(id, role) {
  const a = el("a", { href: "#/actor/" + encodeURIComponent(id || ""), class: "actor", text: short(id) });
  actorName(id).then((n) => { a.textContent = n + (role ? " (" + role + ")" : ""); a.title = id; });
  return a;
}

// ---- views and routing ----
const views = ["login", "find", "user", "actor", "projections"];
function show(name) {
  for (const v of views) $("#view-" + v).hidden = v !== name;
  $("#nav").hidden = !session.token;
}

async function route() {
  status("");
  if (!session.token) { show("login"); $("#login-username").focus(); return; }
  const [path, query] = (location.hash.slice(1) || "/find").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "user" && parts[1]) await showUser(decodeURIComponent(parts[1]), params);
    else if (parts[0] === "actor" && parts[1]) await showActor(decodeURIComponent(parts[1]));
    else if (parts[0] === "projections") await showProjections();
    else showFind(params);
  } catch (e) {
    status(e.message, true);
  }
}

// ---- login ----
async function login(ev) {
  ev.preventDefault();
  $("#login-error").textContent = "";
  const username = $("#login-username").value, password = $("#login-password").value;
  try {
    const tok = await api("POST", "/v1/auth/login", { username, password });
    session.token = tok.access_token;
    const claims = JSON.parse(atob(tok.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    session.id = claims.sub || "";
    $("#login-password").value = "";
    const me = UUID.test(session.id) ? await api("GET", "/v1/users/" + session.id + "/state") : { role: claims.role, username };
    session.role = me.role; session.username = me.username;
    $("#whoami").textContent = me.username + " · " + me.role;
    $("#nav-projections").hidden = session.role !== "admin";
    if (session.role !== "admin" && session.role !== "auditor") location.hash = "#/user/" + session.id;
    route();
  } catch (e) {
    $("#login-error").textContent = e.status === 401 ? "Wrong username or password." : e.message;
  }
}

// Signing out loads the page afresh: the one sure way to leave nothing of the session
// behind for whoever signs in next on this tab (every view's content, the names cache,
// answers still on their way). The token only ever lived in memory; which message to
// show rides along in the address (a fixed word, read and removed on load), never in
// storage.
const SIGNED_OUT = { ended: "Your session ended; sign in again.", out: "Signed out." };
function logout(why) {
  Object.assign(session, { token: "", id: "", role: "", username: "" });
  location.replace(location.pathname + "?signed-out=" + (why === "ended" ? "ended" : "out") + location.hash);
}

// ---- find ----
let findNext = null;
function showFind(params) {
  show("find");
  $("#find-q").value = params.get("q") || "";
  $("#find-status").value = params.get("status") || "";
  $("#find-role").value = params.get("role") || "";
  if (params.has("q") || params.has("status") || params.has("role")) search(false);
  else $("#find-q").focus();
}

async function search(more) {
  const q = $("#find-q").value.trim();
  if (UUID.test(q)) { location.hash = "#/user/" + q.toLowerCase(); return; }
  if (!more) { // a new search shows nothing of the last one, whether it answers or fails
    $("#find-results tbody").replaceChildren();
    $("#find-results").hidden = true; $("#find-more").hidden = true; findNext = null;
  }
  const p = new URLSearchParams({ page_size: "25" });
  if (q) p.set(q.includes("@") ? "email" : "username", q);
  if ($("#find-status").value) p.set("status", $("#find-status").value);
  if ($("#find-role").value) p.set("role", $("#find-role").value);
  if (more && findNext) p.set("page_token", findNext);
  const page = await api("GET", "/v1/users?" + p);
  const tbody = $("#find-results tbody");
  if (!more) tbody.replaceChildren();
  for (const u of page.items) {
    tbody.append(el("tr", {},
      el("td", {}, el("a", { href: "#/user/" + u.id, text: u.username })),
      el("td", { text: u.email }), el("td", { text: (u.first_name + " " + u.last_name).trim() }),
      el("td", { text: u.role }), el("td", {}, el("span", { class: "badge " + u.status, text: u.status })),
      el("td", { text: String(u.revision) })));
  }
  $("#find-results").hidden = false;
  findNext = page.next_page_token;
  $("#find-more").hidden = !findNext;
  status(tbody.children.length + " found" + (findNext ? " (more available)" : ""));
}

// ---- one person: timeline, time travel, dry run ----
const current = { id: "", events: [], byRevision: new Map() };

// fold applies an event's data to a plain state, for the field-by-field diff. It mirrors
// the aggregate's rules closely enough to show what changed; the authoritative state is
// always the one GET /state answers.
function fold(prev, ev) {
  const s = Object.assign({}, prev);
  const d = ev.data || {};
  for (const [k, v] of Object.entries(d)) {
    if (k === "previous_role" || k === "reset_by_admin" || v === null || typeof v === "object") continue;
    s[k] = String(v);
  }
  if (ev.event_type === "UserCreated" || ev.event_type === "UserRestored") s.status = "active";
  if (ev.event_type === "UserDeleted") s.status = "deleted";
  if (ev.event_type === "PasswordChanged") s.password = d.reset_by_admin ? "reset by an admin" : "changed by the user";
  return s;
}

function diffTable(prev, next) {
  const rows = [];
  for (const k of Object.keys(next)) {
    if (prev[k] === next[k] && k !== "password") continue;
    if (k === "password" && prev.password === next.password && prev.password !== undefined) continue;
    rows.push(el("tr", {}, el("th", { scope: "row", text: k }),
      el("td", {}, prev[k] === undefined ? el("span", { class: "muted", text: "—" }) : el("span", { class: "old", text: prev[k] })),
      el("td", { "aria-hidden": "true", text: "→" }),
      el("td", {}, el("span", { class: "new", text: next[k] }))));
  }
  if (!rows.length) return el("p", { class: "muted", text: "No field changed." });
  return el("table", { class: "diff" },
    el("caption", { class: "sr-only", text: "Changes: field, before, after" }), el("tbody", {}, ...rows));
}

function eventItem(ev, prev, next) {
  const m = ev.metadata || {};
  const li = el("li", { id: "rev-" + ev.revision, class: ev.event_type, "data-revision": String(ev.revision) });
  const show = el("button", { type: "button", class: "small", text: "State after r" + ev.revision, "aria-label": "Show the state after revision " + ev.revision });
  show.addEventListener("click", () => travel({ revision: ev.revision }, true));
  li.append(
    el("div", { class: "ev-head" },
      el("span", { class: "ev-type", text: ev.event_type }),
      el("span", { class: "ev-meta", text: "r" + ev.revision }),
      el("time", { class: "ev-meta", datetime: ev.recorded_at, text: fmtTime(ev.recorded_at) }),
      el("span", { class: "ev-meta" }, "by ", actorLink(m.actor_id, m.actor_role)),
      show),
    el("p", { class: "ev-reason" }, m.reason ? el("span", {}, "Reason: ", el("q", { text: m.reason })) : el("span", { class: "muted", text: "No reason given" })),
    diffTable(prev, next),
    el("div", { class: "ev-ids", text: ["request " + (m.request_id || "—"), "correlation " + (m.correlation_id || "—")].concat(m.causation_id ? ["causation " + m.causation_id] : []).join(" · ") }));
  return li;
}

async function showUser(id, params) {
  show("user");
  // Nothing of the person shown before stays under this one's address, if the call fails.
  Object.assign(current, { id: "", events: [], byRevision: new Map() });
  for (const sel of ["#timeline", "#state", "#state-caption", "#user-summary", "#dryrun-out"]) $(sel).replaceChildren();
  $("#user-title").textContent = "Person";
  status("Loading the stream…");
  const t0 = performance.now();
  const h = await api("GET", "/v1/users/" + encodeURIComponent(id) + "/history");
  current.id = h.id; current.events = h.events; current.byRevision = new Map();
  const frag = document.createDocumentFragment();
  let prev = {};
  for (const ev of h.events) {
    const next = fold(prev, ev);
    frag.append(eventItem(ev, prev, next));
    prev = next;
  }
  $("#timeline").replaceChildren(frag);
  for (const li of $("#timeline").children) current.byRevision.set(Number(li.dataset.revision), li);
  const last = h.events[h.events.length - 1];
  $("#user-title").textContent = (prev.username || "Person") + (prev.status === "deleted" ? " (deleted)" : "");
  $("#user-summary").textContent = "id " + h.id + " · " + h.events.length + " events · last change " + fmtTime(last.recorded_at);
  const slider = $("#slider");
  slider.max = String(last.revision);
  $("#dryrun").hidden = session.role !== "admin";
  const t1 = performance.now();
  const rev = Number(params.get("rev")) || last.revision;
  await travel({ revision: rev }, false);
  const t2 = performance.now();
  status(h.events.length + " events: history " + Math.round(t1 - t0) + " ms, state " + Math.round(t2 - t1) + " ms");
}

// travel shows the state at {revision} or {at} and highlights the event that produced it.
async function travel(point, focusEvent) {
  const q = point.at ? "at=" + encodeURIComponent(point.at) : "revision=" + point.revision;
  let st;
  try {
    st = await api("GET", "/v1/users/" + current.id + "/state?" + q);
  } catch (e) {
    if (e.status === 404 && point.at) {
      $("#state-caption").textContent = "The person did not exist yet at " + point.at + ".";
      $("#state").replaceChildren();
      highlight(0, false);
      return;
    }
    throw e;
  }
  $("#slider").value = String(st.revision);
  $("#slider-out").textContent = st.revision + " of " + $("#slider").max;
  const ev = current.events[st.revision - 1];
  if (ev && !point.at) $("#at-input").value = ev.recorded_at.slice(0, 23);
  $("#state-caption").textContent = "As of revision " + st.revision + (ev ? ", after " + ev.event_type + " at " + fmtTime(ev.recorded_at) : "") + (point.at ? " (asked: " + point.at + ")" : "");
  const rows = [];
  for (const k of ["username", "email", "first_name", "last_name", "role", "status", "created_at", "updated_at", "deleted_at", "revision"]) {
    if (st[k] === undefined) continue;
    const v = String(st[k]);
    rows.push(el("dt", { text: k }), el("dd", { id: "state-" + k }, k === "status" ? el("span", { class: "badge " + v, text: v }) : (k.endsWith("_at") ? fmtTime(v) : v)));
  }
  $("#state").replaceChildren(...rows);
  highlight(st.revision, focusEvent);
}

function highlight(revision, focusEvent) {
  for (const li of $("#timeline").querySelectorAll("li.current")) { li.classList.remove("current"); li.removeAttribute("aria-current"); }
  const li = current.byRevision.get(revision);
  if (!li) return;
  li.classList.add("current");
  li.setAttribute("aria-current", "step");
  li.scrollIntoView({ block: "nearest" });
  if (focusEvent) li.querySelector("button").focus();
}

let sliderTimer = 0;
function onSlider() {
  $("#slider-out").textContent = $("#slider").value + " of " + $("#slider").max;
  clearTimeout(sliderTimer);
  sliderTimer = setTimeout(() => travel({ revision: Number($("#slider").value) }, false).catch((e) => status(e.message, true)), 60);
}

function onAt(ev) {
  ev.preventDefault();
  const v = $("#at-input").value;
  if (!v) return;
  travel({ at: new Date(v + "Z").toISOString() }, false).catch((e) => status(e.message, true));
}

async function dryRun(ev) {
  ev.preventDefault();
  const out = $("#dryrun-out");
  let input;
  try { input = JSON.parse($("#dryrun-input").value || "{}"); } catch (e) { out.textContent = "The input is not JSON: " + e.message; return; }
  const q = "revision=" + $("#slider").value;
  try {
    const r = await api("POST", "/v1/users/" + current.id + "/commands:dry-run?" + q, { command: $("#dryrun-command").value, input });
    out.textContent = r.outcome + (r.problem ? ": " + r.problem.detail : "") + "\n" + JSON.stringify(r.events.length ? r.events : r.problem, null, 2);
  } catch (e) {
    out.textContent = e.message + (e.problem && e.problem.errors ? "\n" + JSON.stringify(e.problem.errors, null, 2) : "");
  }
}

// ---- an actor's view ----
const actor = { id: "", next: null };
async function showActor(id) {
  show("actor");
  actor.id = id; actor.next = null;
  $("#actor-events tbody").replaceChildren();
  $("#actor-title").textContent = "Actor " + short(id);
  actorName(id).then((n) => { $("#actor-title").textContent = "Actor: " + n; });
  await actorPage();
}

async function actorPage() {
  const p = new URLSearchParams({ page_size: "50" });
  if (actor.next) p.set("page_token", actor.next);
  const page = await api("GET", "/v1/actors/" + encodeURIComponent(actor.id) + "/events?" + p);
  const tbody = $("#actor-events tbody");
  for (const e of page.items) {
    const m = e.metadata || {};
    tbody.append(el("tr", {},
      el("td", {}, el("time", { datetime: e.recorded_at, text: fmtTime(e.recorded_at) })),
      el("td", { text: e.event_type }),
      el("td", {}, el("a", { href: "#/user/" + e.aggregate_id + "?rev=" + e.revision, text: short(e.aggregate_id) })),
      el("td", { text: String(e.revision) }),
      el("td", { text: m.reason || "—" }),
      el("td", { class: "ev-ids", text: m.request_id || "—" })));
  }
  actor.next = page.next_page_token;
  $("#actor-more").hidden = !actor.next;
  status(tbody.children.length + " events" + (actor.next ? " (older ones available)" : ""));
}

// ---- projection health ----
async function showProjections() {
  show("projections");
  for (const sel of ["#proj-store", "#proj-versions tbody", "#proj-dead tbody", "#proj-paused"]) $(sel).replaceChildren();
  const h = await api("GET", "/v1/projections");
  $("#proj-store").textContent = "Event store: " + h.store.streams + " user streams, " + h.store.events + " events.";
  const n = (v) => v === null || v === undefined ? "—" : String(v);
  $("#proj-versions tbody").replaceChildren(...h.versions.map((v) => el("tr", {},
    el("td", { text: v.name + " v" + v.version }), el("td", {}, el("span", { class: "badge " + v.state, text: v.state })),
    el("td", { text: n(v.rows) }), el("td", { text: n(v.applied_events) }), el("td", { text: n(v.lag_events) }),
    el("td", { text: v.lag_seconds === null ? "—" : v.lag_seconds.toFixed(1) }), el("td", { text: String(v.dead_letters) }),
    el("td", { class: "ev-ids", text: v.consumer_group }))));
  $("#proj-dead tbody").replaceChildren(...(h.dead_letters.length ? h.dead_letters.map((d) => el("tr", {},
    el("td", { text: d.projection }), el("td", { text: String(d.count) }), el("td", { text: fmtTime(d.last) })))
    : [el("tr", {}, el("td", { colspan: "3", class: "muted", text: "No dead letters." }))]));
  $("#proj-paused").textContent = "Paused partitions: " + h.paused_partitions.note + " (" + h.paused_partitions.metric + ").";
  status("Projection health read.");
}

document.addEventListener("DOMContentLoaded", () => {
  $("#login-form").addEventListener("submit", login);
  $("#logout").addEventListener("click", () => logout());
  $("#find-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, sel] of [["q", "#find-q"], ["status", "#find-status"], ["role", "#find-role"]]) if ($(sel).value.trim()) p.set(k, $(sel).value.trim());
    const target = "#/find?" + p;
    if (location.hash === target) search(false).catch((e) => status(e.message, true)); else location.hash = target;
  });
  $("#find-more").addEventListener("click", () => search(true).catch((e) => status(e.message, true)));
  $("#slider").addEventListener("input", onSlider);
  $("#at-form").addEventListener("submit", onAt);
  $("#dryrun-form").addEventListener("submit", dryRun);
  $("#actor-more").addEventListener("click", () => actorPage().catch((e) => status(e.message, true)));
  window.addEventListener("hashchange", route);
  route();
  const signedOut = new URLSearchParams(location.search).get("signed-out");
  if (signedOut) {
    history.replaceState(null, "", location.pathname + location.hash);
    status(SIGNED_OUT[signedOut] || SIGNED_OUT.out);
  }
});
