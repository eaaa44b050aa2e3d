// Clips under their players: progress reports (so the author sees who watched and
// the reader resumes where they left off), the live "watched by" line, comments
// pinned to moments (markers that seek), and commenting at the current time.
"use strict";

(() => {
  const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  const composer = document.getElementById("composer");
  const EVERY_MS = 10000;  // while playing; also on pause, at the end and when the page goes
  const state = new WeakMap();

  function clock(ms) {
    const total = Math.floor(Math.max(ms, 0) / 1000);
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  }

  function mediaOf(fileId) {
    return document.querySelector(`figure.file-clip[data-file="${fileId}"] :is(audio, video)`);
  }
  function watchOf(media) {
    const id = media.closest("figure.file-clip")?.dataset.file;
    return id ? document.querySelector(`[data-clip-watch="${id}"]`) : null;
  }
  function stateOf(media) {
    if (!state.has(media)) state.set(media, {sent: 0, resumed: false});
    return state.get(media);
  }

  function report(media, {ended = false, keepalive = false} = {}) {
    const watch = watchOf(media);
    if (!watch) return;
    stateOf(media).sent = Date.now();
    const position_ms = Math.round((ended && isFinite(media.duration) ? media.duration : media.currentTime) * 1000);
    fetch(`/api/v1/files/${watch.dataset.clipWatch}/progress`, {
      method: "PUT",
      credentials: "same-origin",
      keepalive,
      headers: {"X-CSRF-Token": token, "Content-Type": "application/json"},
      body: JSON.stringify({position_ms, ended}),
    }).then((r) => (r.ok ? r.json() : null)).then((answer) => {
      if (!answer) return;
      watch.dataset.position = answer.position_ms;
      watch.dataset.completed = String(answer.completed);
    }).catch(() => {});
  }

  // Pressing play on a clip started before resumes where the reader left off
  // (from the start again once they had reached the end).
  function resume(media) {
    const s = stateOf(media), watch = watchOf(media);
    if (s.resumed || !watch) return;
    s.resumed = true;
    const at = Number(watch.dataset.position || 0);
    const length = Number(watch.dataset.duration || 0);
    const atEnd = length && at >= length - 1000;
    if (at > 0 && !atEnd && media.currentTime < 0.5) media.currentTime = at / 1000;
  }

  // Media events do not bubble: listen in the capture phase, for players that
  // arrive later (live messages, refreshed messages) too.
  const isClip = (target) => target instanceof HTMLMediaElement && target.closest("figure.file-clip");
  document.addEventListener("play", (event) => {
    if (!isClip(event.target)) return;
    resume(event.target);
    report(event.target);
  }, true);
  document.addEventListener("pause", (event) => {
    if (isClip(event.target) && !event.target.ended) report(event.target);
  }, true);
  document.addEventListener("ended", (event) => {
    if (isClip(event.target)) report(event.target, {ended: true});
  }, true);
  document.addEventListener("timeupdate", (event) => {
    const media = event.target;
    if (!isClip(media)) return;
    const now = watchOf(media)?.querySelector("[data-clip-now]");
    if (now) now.textContent = clock(media.currentTime * 1000);
    if (!media.paused && Date.now() - stateOf(media).sent >= EVERY_MS) report(media);
  }, true);
  function reportPlaying() {
    document.querySelectorAll("figure.file-clip :is(audio, video)").forEach((media) => {
      if (!media.paused) report(media, {keepalive: true});
    });
  }
  window.addEventListener("pagehide", reportPlaying);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") reportPlaying(); });

  // ---- seeking: comment markers, the list and a comment's "at 0:42" chip ----
  function seek(fileId, ms) {
    const media = mediaOf(fileId);
    if (!media) return;
    stateOf(media).resumed = true;
    media.currentTime = ms / 1000;
    media.scrollIntoView({block: "nearest"});
    media.play().catch(() => {});
  }
  function placeMarkers(root) {
    root.querySelectorAll?.(".clip-marker").forEach((marker) => {
      const watch = marker.closest("[data-clip-watch]");
      const media = watch && mediaOf(watch.dataset.clipWatch);
      const length = Number(watch?.dataset.duration) || (media && isFinite(media.duration) ? media.duration * 1000 : 0);
      if (length) marker.style.left = `${Math.min(100, (100 * Number(marker.dataset.at)) / length)}%`;
    });
  }
  document.body.addEventListener("htmx:afterSwap", (event) => placeMarkers(event.detail.target));

  // ---- commenting at the player's current time ----
  function pin(fileId) {
    if (!composer) return;
    const media = mediaOf(fileId), watch = document.querySelector(`[data-clip-watch="${fileId}"]`);
    const ms = Math.round((media?.currentTime || 0) * 1000);
    composer.querySelector("#clip-file-id").value = fileId;
    composer.querySelector("#clip-at-ms").value = ms;
    composer.querySelector("#clip-pin-text").textContent = `Commenting at ${clock(ms)} of ${watch?.dataset.filename || "the clip"}`;
    composer.querySelector("#clip-pin").hidden = false;
    composer.querySelector("textarea[name=body]").focus();
  }
  function unpin() {
    if (!composer) return;
    composer.querySelector("#clip-file-id").value = "";
    composer.querySelector("#clip-at-ms").value = "";
    composer.querySelector("#clip-pin").hidden = true;
  }
  // A pin is for one message: the next one is not pinned unless asked again.
  composer?.addEventListener("tidings:sent", unpin);

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-seek],[data-comment-at],[data-clip-unpin]");
    if (!target) return;
    if ("clipUnpin" in target.dataset) { unpin(); return; }
    if (target.dataset.commentAt) { pin(target.dataset.commentAt); return; }
    const fileId = target.dataset.seekFile || target.closest("[data-clip-watch]")?.dataset.clipWatch;
    if (fileId) seek(fileId, Number(target.dataset.seek));
  });

  // ---- live: the summary, and comments that arrive or go ----
  function refreshComments(fileId) {
    const timeline = document.querySelector(`[data-clip-watch="${fileId}"] [data-clip-timeline]`);
    if (timeline && window.htmx) htmx.trigger(timeline, "tidings:comments");
  }
  document.addEventListener("tidings:event", (event) => {
    const {type, data = {}} = event.detail;
    if (type === "file.views") {
      const line = document.querySelector(`[data-clip-watch="${data.id}"] [data-clip-views]`);
      const v = data.views;
      if (line && v) line.textContent = `Watched by ${v.watched} of ${v.audience} · ${v.finished} finished`;
    } else if (/^message\.(created|updated|deleted|expired)$/.test(type) && data.clip_file_id) {
      refreshComments(data.clip_file_id);
    }
  });
})();
