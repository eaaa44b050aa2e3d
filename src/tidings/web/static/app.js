// The Tidings page module: the live event socket, drafts, the composer's helpers,
// autocomplete and keyboard shortcuts. Rendering stays on the server: live events
// only tell this module which fragment to fetch again.
"use strict";

const directory = JSON.parse(document.getElementById("directory").textContent);
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
const head = document.querySelector("[data-place]");
const [placeKind, placeId] = head ? head.dataset.place.split(":") : [null, null];
const onInbox = Boolean(document.getElementById("inbox"));

function post(path, fields) {
  const body = new URLSearchParams(fields);
  return fetch(path, {method: "POST", body, headers: {"X-CSRF-Token": csrf, "HX-Request": "true"}});
}

async function fetchHtml(path) {
  const response = await fetch(path, {headers: {"HX-Request": "true"}});
  if (!response.ok) return null;
  return response.text();
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// ---- regions refreshed from the server ----
const refreshSidebar = debounce(async () => {
  const html = await fetchHtml(`/parts/shell?part=sidebar&current=${encodeURIComponent(location.pathname)}`);
  const sidebar = document.getElementById("sidebar");
  if (html !== null && sidebar) { sidebar.innerHTML = html; window.htmx && htmx.process(sidebar); }
}, 150);

const refreshInbox = debounce(async () => {
  const inbox = document.getElementById("inbox");
  if (!inbox) return;
  const html = await fetchHtml("/parts/shell?part=inbox");
  if (html !== null) { inbox.innerHTML = html; window.htmx && htmx.process(inbox); keepTriageSelection(); }
}, 150);

const refreshRegion = debounce(async (selector) => {
  const html = await fetchHtml(location.pathname + location.search);
  const current = document.querySelector(selector);
  if (html === null || !current) return;
  const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
  if (fresh) { current.replaceWith(fresh); window.htmx && htmx.process(fresh); }
}, 200);

const markPlaceRead = debounce(() => {
  if (!placeKind || document.visibilityState !== "visible") return;
  post("/read", placeKind === "topic" ? {topic_id: placeId} : {conversation_id: placeId});
}, 400);

// ---- messages ----
function dedupe(id) {
  const copies = document.querySelectorAll(`#messages [id="m${id}"]`);
  for (let i = 1; i < copies.length; i++) copies[i].remove();
}

function inThisPlace(data) {
  if (placeKind === "topic") return String(data.topic_id) === placeId;
  if (placeKind === "conversation") return String(data.conversation_id) === placeId;
  return false;
}

async function showMessage(id) {
  if (document.getElementById(`m${id}`)) return;
  const html = await fetchHtml(`/parts/messages/${id}`);
  const list = document.getElementById("messages");
  if (html === null || !list || document.getElementById(`m${id}`)) return;
  document.getElementById("no-messages")?.remove();
  // Fetches finish in any order: place each message by id so the thread stays in order.
  const later = [...list.querySelectorAll(":scope > [data-message]")].find((m) => Number(m.dataset.message) > id);
  list.insertBefore(fragment(html), later || null);
  const shown = document.getElementById(`m${id}`);
  if (shown) { window.htmx && htmx.process(shown); shown.classList.add("flash"); setTimeout(() => shown.classList.remove("flash"), 2500); }
  dedupe(id);
}

// A clip that is playing is never cut off: the message is refreshed once it pauses.
function waitForPause(message, id) {
  const playing = [...message.querySelectorAll("audio, video")].find((m) => !m.paused && !m.ended);
  if (!playing) return false;
  playing.addEventListener("pause", () => refreshMessage(id), {once: true});
  return true;
}

async function refreshMessage(id) {
  const current = document.getElementById(`m${id}`);
  if (!current || current.querySelector(".edit-form")) return;  // never clobber an edit
  if (waitForPause(current, id)) return;
  const html = await fetchHtml(`/parts/messages/${id}`);
  const again = document.getElementById(`m${id}`);
  if (html === null || !again || again.querySelector(".edit-form")) return;
  if (waitForPause(again, id)) return;
  const node = fragment(html).firstElementChild;
  // A paused clip keeps its place: "Comment at 0:42" and play go on from there.
  const places = new Map([...again.querySelectorAll("figure.file-clip[data-file]")]
    .map((f) => [f.dataset.file, f.querySelector("audio, video")?.currentTime || 0]));
  again.replaceWith(node);
  node.querySelectorAll("figure.file-clip[data-file]").forEach((f) => {
    const media = f.querySelector("audio, video");
    if (!media || !places.get(f.dataset.file)) return;
    media.currentTime = places.get(f.dataset.file);
    media.dispatchEvent(new Event("timeupdate"));  // what shows the time catches up now
  });
  window.htmx && htmx.process(node);
}

// ---- the live stream ----
const live = {
  since: directory.head,
  socket: null,
  attempts: 0,
  state: document.getElementById("live-state"),

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // A public channel's events come to its members, and to whoever has it open.
    const channel = document.querySelector(".page-head[data-channel]")?.dataset.channel;
    const view = channel ? `&view=${channel}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?since=${this.since}${view}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempts = 0;
      this.show("");
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      if (event.code === 4401) { location.href = `/login?next=${encodeURIComponent(location.pathname)}`; return; }
      this.show("Reconnecting…", true);
      const delay = Math.min(10000, 500 * 2 ** this.attempts++);
      setTimeout(() => this.connect(), delay);
    });
  },

  show(text, down = false) {
    if (!this.state) return;
    this.state.textContent = text;
    this.state.classList.toggle("down", down);
    document.body.dataset.live = down ? "down" : "up";
  },

  receive(event) {
    if (event.type === "heartbeat" || event.type === "pong") return;
    if (typeof event.id === "number") this.since = Math.max(this.since, event.id);
    // Other page modules (clips.js) follow the stream through this DOM event.
    document.dispatchEvent(new CustomEvent("tidings:event", {detail: event}));
    const data = event.data || {};
    switch (event.type) {
      case "reset":
        location.reload();  // drafts are in localStorage; nothing typed is lost
        return;
      case "message.created":
        if (inThisPlace(data)) { showMessage(data.id); if (data.author_id !== directory.me) markPlaceRead(); }
        if (data.author_id !== directory.me) { refreshSidebar(); refreshInbox(); }
        if (document.getElementById("topic-list")) refreshRegion("#topic-list");
        if (document.getElementById("forkout-status")) refreshRegion("#forkout-status");
        return;
      case "message.updated":
      case "message.expired":
      case "message.deleted":
      case "message.files_changed":
        refreshMessage(data.id);
        refreshInbox();
        return;
      case "message.previews":
        refreshMessage(data.id);
        return;
      case "reaction.added":
      case "reaction.removed":
        refreshMessage(data.message_id);
        return;
      case "topic.renamed":
      case "topic.resolved":
      case "topic.unresolved":
        if (placeKind === "topic" && String(data.id) === placeId) refreshRegion(".thread-head");
        if (document.getElementById("topic-list")) refreshRegion("#topic-list");
        refreshInbox();
        return;
      case "expectation.updated":
        refreshMessage(data.message_id);
        refreshSidebar();
        if (document.getElementById("owed")) refreshRegion("#owed");
        return;
      case "notification":
        showNotification(data);
        refreshSidebar();
        if (document.getElementById("notifications")) refreshRegion("#notifications");
        return;
      default:
        if (/^(read|channel|conversation|member|topic|later|scheduled)\./.test(event.type)) { refreshSidebar(); refreshInbox(); }
    }
  },
};
// Delivered notifications become browser notifications when the member allowed them;
// the server already decided that now is a good time (working hours, focus, urgency).
function showNotification(data) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(data.title || "Tidings", {body: data.reason || "", tag: `tidings-${data.id}`});
  note.addEventListener("click", () => {
    window.focus();
    if (data.message_id) location.href = `/go/message/${data.message_id}`;
  });
}

window.tidings = {live};
live.connect();
if (placeKind && document.getElementById("messages")) markPlaceRead();
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") markPlaceRead(); });

// ---- drafts: one per topic or conversation, kept in this browser ----
function draftStore(form) {
  const key = form.dataset.draft ? `tidings:draft:${form.dataset.draft}` : null;
  const text = form.querySelector("textarea[name=body]");
  const state = form.querySelector(".draft-state");
  if (!key || !text) return;
  if (!text.value && localStorage.getItem(key)) {
    text.value = localStorage.getItem(key);
    if (state) state.textContent = "Draft restored";
    text.dispatchEvent(new Event("input", {bubbles: true}));
  }
  const save = debounce(() => {
    if (text.value) { localStorage.setItem(key, text.value); if (state) state.textContent = "Draft saved"; }
    else { localStorage.removeItem(key); if (state) state.textContent = ""; }
  }, 300);
  text.addEventListener("input", save);
  form.addEventListener("tidings:sent", () => { localStorage.removeItem(key); if (state) state.textContent = ""; });
  form.addEventListener("submit", () => {
    localStorage.setItem(key, text.value);
    if (form.hasAttribute("hx-post")) return;
    const paths = [location.pathname, new URL(form.action).pathname];
    sessionStorage.setItem(SUBMITTED, JSON.stringify({key, paths}));
  });
}
// A plain form (not htmx) leaves its page when sent. Landing anywhere but that page or
// the form's own error page means the server took it, so its draft is done with.
const SUBMITTED = "tidings:submitted";
function forgetSentDraft() {
  const submitted = JSON.parse(sessionStorage.getItem(SUBMITTED) || "null");
  sessionStorage.removeItem(SUBMITTED);
  if (submitted && !submitted.paths.includes(location.pathname)) localStorage.removeItem(submitted.key);
}
forgetSentDraft();
document.querySelectorAll("form[data-draft]").forEach(draftStore);

// ---- composer: reply, quote, send ----
const composer = document.getElementById("composer");
function replyTo(button, quote) {
  if (!composer) return;
  const id = button.dataset.reply || button.dataset.quote;
  composer.querySelector(quote ? "#quote-of-id" : "#reply-to-id").value = id;
  composer.querySelector(quote ? "#reply-to-id" : "#quote-of-id").value = "";
  const text = composer.querySelector("textarea[name=body]");
  if (quote) {
    const body = document.querySelector(`#m${id} .body`)?.innerText.trim() || "";
    const quoted = body.split("\n").map((line) => `> ${line}`).join("\n");
    text.value = `${quoted}\n\n${text.value}`;
  }
  const banner = composer.querySelector("#replying");
  composer.querySelector("#replying-text").textContent = `${quote ? "Quoting" : "Replying to"} ${button.dataset.author}`;
  banner.hidden = false;
  text.focus();
  text.dispatchEvent(new Event("input", {bubbles: true}));
}
function clearReply() {
  if (!composer) return;
  composer.querySelector("#reply-to-id").value = "";
  composer.querySelector("#quote-of-id").value = "";
  composer.querySelector("#replying").hidden = true;
}
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-reply],[data-quote],[data-cancel-reply],[data-close-history],[data-menu-toggle],[data-help-open]");
  if (!target) return;
  if (target.dataset.reply) replyTo(target, false);
  else if (target.dataset.quote) replyTo(target, true);
  else if ("cancelReply" in target.dataset) clearReply();
  else if ("closeHistory" in target.dataset) target.closest(".history").innerHTML = "";
  else if ("menuToggle" in target.dataset) {
    const open = document.getElementById("sidebar").classList.toggle("open");
    target.setAttribute("aria-expanded", String(open));
  } else if ("helpOpen" in target.dataset) document.getElementById("help").showModal();
});
// Options are for one message: after a send each goes back to its default, so the next
// casual message does not go out urgent, self-destructing, asking someone or scheduled.
const OPTION_DEFAULTS = {priority: "normal", expires: "", ask: "", ask_by: "", send_at: ""};
function resetOptions(form) {
  for (const [name, value] of Object.entries(OPTION_DEFAULTS)) {
    const field = form.elements.namedItem(name);
    if (field) field.value = value;
  }
  const theirDay = form.elements.namedItem("their_day");
  if (theirDay) theirDay.checked = false;
  form.querySelectorAll("details.asks, details.send-later").forEach((details) => { details.open = false; });
}
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form !== composer || !event.detail.successful) return;
  const text = composer.querySelector("textarea[name=body]");
  text.value = "";
  clearReply();
  resetOptions(composer);
  composer.querySelector("#composer-preview").innerHTML = '<p class="hint">Nothing to preview yet.</p>';
  composer.querySelector(".composer-body").classList.remove("previewing");
  text.removeAttribute("aria-invalid");
  composer.dispatchEvent(new Event("tidings:sent"));
  text.focus();
});
document.body.addEventListener("htmx:afterSwap", (event) => {
  const shown = event.detail.target.querySelectorAll?.("[data-message]") || [];
  shown.forEach((node) => dedupe(node.dataset.message));
  if (event.detail.target.id === "composer-error" && composer) {
    composer.querySelector("textarea[name=body]").setAttribute("aria-invalid", "true");
  }
});
document.body.addEventListener("htmx:sendError", () => {
  const error = document.getElementById("composer-error");
  if (error) error.textContent = "Could not reach the server; your text is kept. Try again in a moment.";
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches("textarea")) {
    event.preventDefault();
    event.target.form?.requestSubmit();
  }
});

// ---- @mention and #channel autocomplete ----
const people = directory.people.map((handle, i) => ({value: handle, label: `${directory.names[i]} (@${handle})`}));
const channelChoices = directory.channels.map((name) => ({value: name, label: `#${name}`}));
let menu = null;
function closeMenu() { menu?.list.remove(); menu = null; }
function currentToken(text) {
  const before = text.value.slice(0, text.selectionStart);
  const match = /(^|\s)([@#])([\w.-]*)$/.exec(before);
  return match ? {sigil: match[2], query: match[3].toLowerCase(), start: before.length - match[3].length} : null;
}
function openMenu(text) {
  const token = currentToken(text);
  if (!token) { closeMenu(); return; }
  const pool = token.sigil === "@" ? people : channelChoices;
  const matches = pool.filter((c) => c.value.toLowerCase().startsWith(token.query) || c.label.toLowerCase().includes(token.query)).slice(0, 8);
  closeMenu();
  if (!matches.length) return;
  const list = document.createElement("ul");
  list.className = "autocomplete";
  list.id = "autocomplete";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", token.sigil === "@" ? "People" : "Channels");
  matches.forEach((choice, i) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.id = `autocomplete-${i}`;
    item.textContent = choice.label;
    item.setAttribute("aria-selected", String(i === 0));
    item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(text, token, choice); });
    list.appendChild(item);
  });
  const box = text.getBoundingClientRect();
  list.style.left = `${box.left + window.scrollX}px`;
  list.style.top = `${box.bottom + window.scrollY}px`;
  document.body.appendChild(list);
  text.setAttribute("aria-controls", "autocomplete");
  menu = {list, matches, index: 0, token, text};
}
function choose(text, token, choice) {
  const after = text.value.slice(text.selectionStart);
  const before = text.value.slice(0, token.start);
  text.value = `${before}${choice.value} ${after}`;
  const caret = before.length + choice.value.length + 1;
  text.setSelectionRange(caret, caret);
  closeMenu();
  text.dispatchEvent(new Event("input", {bubbles: true}));
}
document.addEventListener("input", (event) => {
  if (!event.target.matches("textarea[data-autocomplete]")) return;
  openMenu(event.target);
  // The preview pane opens once there is something to preview.
  event.target.closest(".composer-body")?.classList.toggle("previewing", event.target.value.trim() !== "");
});
document.addEventListener("keydown", (event) => {
  if (!menu || event.target !== menu.text) return;
  const items = menu.list.children;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    items[menu.index].setAttribute("aria-selected", "false");
    menu.index = (menu.index + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
    items[menu.index].setAttribute("aria-selected", "true");
    menu.text.setAttribute("aria-activedescendant", items[menu.index].id);
  } else if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    event.stopImmediatePropagation();
    choose(menu.text, menu.token, menu.matches[menu.index]);
  } else if (event.key === "Escape") {
    closeMenu();
  }
}, true);
document.addEventListener("focusout", (event) => { if (menu && event.target === menu.text) setTimeout(closeMenu, 150); });

// ---- Inbox triage: j/k move, Enter opens, e marks read, l for later, m mutes ----
let triageRow = null; // the selected row's key ("topic:12"), kept across refreshes
function inboxRows() { return [...document.querySelectorAll("#inbox .inbox-item")]; }
function rowKey(row) { return row.dataset.topic ? `topic:${row.dataset.topic}` : `dm:${row.dataset.conversation}`; }
function selectRow(row, focus = true) {
  inboxRows().forEach((r) => r.classList.toggle("selected", r === row));
  triageRow = row ? rowKey(row) : null;
  if (row && focus) row.querySelector(".inbox-open").focus();
}
function moveSelection(step) {
  const rows = inboxRows();
  if (!rows.length) return;
  const at = rows.findIndex((r) => rowKey(r) === triageRow);
  const next = at < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, at + step));
  selectRow(rows[next]);
}
function keepTriageSelection() {
  // After a refresh the row acted on may be gone: the one now in its place is selected.
  if (triageRow === null) return;
  const rows = inboxRows();
  const kept = rows.find((r) => rowKey(r) === triageRow);
  const index = Math.min(triageIndex, rows.length - 1);
  selectRow(kept ?? rows[index] ?? null, document.activeElement === document.body || !document.activeElement);
}
let triageIndex = 0;
function triage(action) {
  const rows = inboxRows();
  let row = rows.find((r) => rowKey(r) === triageRow);
  if (!row) { row = rows[0]; if (!row) return; selectRow(row); }
  triageIndex = rows.indexOf(row);
  const form = row.querySelector(`[data-triage="${action}"]`)?.form;
  if (!form) return;
  // Sent from here, the form's fields taken now: a live refresh may replace the row
  // (and its button) before a click would have been handled.
  const sent = post(form.getAttribute("action"), Object.fromEntries(new FormData(form)));
  sent.then(() => { refreshInbox(); refreshSidebar(); });
}

// ---- keyboard shortcuts ----
function typing(target) { return target.closest("input, textarea, select, [contenteditable]"); }
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  const go = (path) => { location.href = path; };
  switch (event.key) {
    case "/": event.preventDefault(); document.getElementById("search-q")?.focus(); break;
    case "?": event.preventDefault(); document.getElementById("help").showModal(); break;
    case "i": go("/"); break;
    case "r": if (composer) { event.preventDefault(); composer.querySelector("textarea").focus(); } break;
    case "c": {
      event.preventDefault();
      const title = document.getElementById("topic-title");
      if (title) title.focus(); else go("/dm");
      break;
    }
    case "n": go(`/next?current=${encodeURIComponent(location.pathname)}`); break;
    case "j": case "k":
      if (onInbox) { event.preventDefault(); moveSelection(event.key === "j" ? 1 : -1); }
      break;
    case "e": if (onInbox) { event.preventDefault(); triage("read"); } break;
    case "l": if (onInbox) { event.preventDefault(); triage("later"); moveSelection(1); } break;
    case "m": if (onInbox) { event.preventDefault(); triage("mute"); } break;
    case "Escape": closeMenu(); document.querySelectorAll("details[open]").forEach((d) => d.removeAttribute("open")); break;
    default:
  }
});
