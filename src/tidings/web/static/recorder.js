// The composer's recorder: a voice note, a camera video or the screen (with or
// without the microphone, with or without the camera in a round bubble, see
// overlay.js). It uploads while it records: the recorder hands over a
// piece every second and each is appended in order to an upload of unknown length,
// so a long recording is on the server when Stop is pressed; a chunk that fails is
// sent again from the offset HEAD reports. Stop declares the length, which
// completes the upload; the recording can then be played back, recorded again, or
// attached to the message like a file.
"use strict";

(() => {
  const composer = document.getElementById("composer");
  const panel = document.getElementById("recorder");
  if (!composer || !panel) return;
  const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  const status = panel.querySelector("[data-recorder-status]");
  const live = panel.querySelector("[data-recorder-live]");
  const review = panel.querySelector("[data-recorder-review]");
  const buttons = {};
  for (const button of panel.querySelectorAll("[data-recorder-action]")) {
    buttons[button.dataset.recorderAction] = button;
  }
  const NAMES = {
    audio: "Voice note", camera: "Video", screen: "Screen recording", "screen-camera": "Screen recording",
  };
  const SLICE_MS = 1000;
  const RETRIES = 5;
  const CHUNK = 4 * 1024 * 1024;
  let session = null;

  async function call(method, path, body, headers = {}) {
    const response = await fetch(`/api/v1${path}`, {
      method, body, credentials: "same-origin", headers: {"X-CSRF-Token": token, ...headers},
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.detail || `HTTP ${response.status}`);
    return answer;
  }

  function show(...names) {
    for (const [name, button] of Object.entries(buttons)) button.hidden = !names.includes(name);
  }

  function say(text) { status.textContent = text; }

  async function capture(kind, withMic) {
    if (kind === "audio") return navigator.mediaDevices.getUserMedia({audio: true});
    if (kind === "camera") return navigator.mediaDevices.getUserMedia({audio: true, video: true});
    const screen = await navigator.mediaDevices.getDisplayMedia({video: true, audio: false});
    if (kind === "screen-camera") return window.TidingsOverlay.withCamera(screen, withMic);
    if (!withMic) return screen;
    const mic = await navigator.mediaDevices.getUserMedia({audio: true});
    return new MediaStream([...screen.getVideoTracks(), ...mic.getAudioTracks()]);
  }

  function mimeFor(kind) {
    const wanted = kind === "audio"
      ? ["audio/webm;codecs=opus", "audio/webm", "audio/ogg"]
      : ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp8", "video/webm"];
    return wanted.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type)) || "";
  }

  // Each piece goes out in order; a failed one is resumed from the server's offset.
  async function pump(s) {
    if (s.pumping) return;
    s.pumping = true;
    try {
      while (s.sent < s.size && !s.failed) {
        let tries = 0;
        for (;;) {
          const pending = new Blob(s.parts).slice(s.sent, s.sent + CHUNK);
          try {
            const answer = await call("PATCH", `/uploads/${s.upload}`, pending,
              {"Upload-Offset": String(s.sent), "Content-Type": "application/offset+octet-stream"});
            s.sent = answer.offset;
            break;
          } catch (error) {
            tries += 1;
            const probe = await fetch(`/api/v1/uploads/${s.upload}`, {method: "HEAD", credentials: "same-origin"})
              .catch(() => null);
            if (probe && probe.ok) s.sent = Number(probe.headers.get("Upload-Offset"));
            if (tries >= RETRIES) { s.failed = error; break; }
            if (s.sent >= s.size) break;
          }
        }
      }
    } finally {
      s.pumping = false;
      if (s.drained && s.sent >= s.size) s.drained();
    }
  }

  function drained(s) {
    if (s.sent >= s.size || s.failed) return Promise.resolve();
    return new Promise((resolve) => { s.drained = resolve; pump(s); });
  }

  function countdown() {
    return new Promise((resolve) => {
      let left = 3;
      const tick = () => {
        if (left === 0) { resolve(); return; }
        say(`Recording in ${left}…`);
        left -= 1;
        window.setTimeout(tick, 1000);
      };
      tick();
    });
  }

  async function begin(kind) {
    await discard();
    panel.hidden = false;
    panel.dataset.kind = kind;
    review.hidden = true;
    show("cancel");
    let stream;
    try {
      stream = await capture(kind, panel.querySelector("[data-recorder-mic]")?.checked);
    } catch (error) {
      say(`Could not start recording: ${error.message}`);
      return;
    }
    const s = {kind, stream, parts: [], size: 0, sent: 0, upload: null, pumping: false, failed: null};
    session = s;
    if (kind !== "audio") {
      live.srcObject = stream;
      live.hidden = false;
      live.play().catch(() => {});
    }
    const type = mimeFor(kind);
    const extension = type.startsWith("audio/ogg") ? "ogg" : "webm";
    const stamp = new Date().toISOString().slice(0, 16).replace("T", " ");
    try {
      s.upload = (await call("POST", "/uploads",
        JSON.stringify({filename: `${NAMES[kind]} ${stamp}.${extension}`}),
        {"Content-Type": "application/json"})).id;
    } catch (error) {
      stop(s);
      say(`Could not start recording: ${error.message}`);
      return;
    }
    await countdown();
    if (session !== s) return;
    s.recorder = new MediaRecorder(stream, type ? {mimeType: type} : {});
    s.type = s.recorder.mimeType || type;
    s.recorder.addEventListener("dataavailable", (event) => {
      if (!event.data || !event.data.size) return;
      s.parts.push(event.data);
      s.size += event.data.size;
      pump(s);
    });
    s.stopped = new Promise((resolve) => s.recorder.addEventListener("stop", resolve));
    s.recorder.start(SLICE_MS);
    panel.dataset.state = "recording";
    say(`Recording ${NAMES[kind].toLowerCase()}`);
    show("pause", "stop", "cancel");
    buttons.pause.focus();
  }

  function stop(s) {
    for (const track of s.stream.getTracks()) track.stop();
    if (s.stream.release) s.stream.release();  // a composite's sources (overlay.js)
    live.srcObject = null;
    live.hidden = true;
  }

  async function finish() {
    const s = session;
    if (!s || !s.recorder) return;
    show("cancel");
    say("Saving the recording…");
    s.recorder.stop();
    await s.stopped;
    stop(s);
    await drained(s);
    if (s.failed) { say(`Not uploaded: ${s.failed.message}`); return; }
    try {
      s.answer = await call("PATCH", `/uploads/${s.upload}`, new Blob([]),
        {"Upload-Offset": String(s.sent), "Upload-Length": String(s.size),
          "Content-Type": "application/offset+octet-stream"});
    } catch (error) {
      say(`Not uploaded: ${error.message}`);
      return;
    }
    if (session !== s) return;
    const player = document.createElement(s.kind === "audio" ? "audio" : "video");
    player.controls = true;
    player.src = URL.createObjectURL(new Blob(s.parts, {type: s.type}));
    player.setAttribute("aria-label", "Play the recording back");
    player.dataset.recorderPlayback = "";
    review.replaceChildren(player);
    review.hidden = false;
    panel.dataset.state = "review";
    say("Recorded. Play it back, record again, or attach it.");
    show("attach", "again", "cancel");
    buttons.attach.focus();
  }

  function pause() {
    const s = session;
    if (!s || !s.recorder) return;
    if (s.recorder.state === "recording") {
      s.recorder.pause();
      buttons.pause.textContent = "Resume";
      panel.dataset.state = "paused";
      say("Paused");
    } else if (s.recorder.state === "paused") {
      s.recorder.resume();
      buttons.pause.textContent = "Pause";
      panel.dataset.state = "recording";
      say(`Recording ${NAMES[s.kind].toLowerCase()}`);
    }
  }

  async function discard() {
    const s = session;
    session = null;
    buttons.pause.textContent = "Pause";
    if (!s) return;
    if (s.recorder && s.recorder.state !== "inactive") s.recorder.stop();
    stop(s);
    const player = review.querySelector("[data-recorder-playback]");
    if (player) URL.revokeObjectURL(player.src);
    review.replaceChildren();
    if (s.upload && !s.attached) await call("DELETE", `/uploads/${s.upload}`).catch(() => {});
  }

  function attach() {
    const s = session;
    if (!s || !s.answer) return;
    s.attached = true;
    const list = composer.querySelector("#composer-attachments");
    const item = document.createElement("li");
    item.className = "attachment";
    item.dataset.upload = s.answer.id;
    const name = document.createElement("span");
    name.textContent = s.answer.filename;
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "attachment";
    hidden.value = s.answer.id;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => item.remove());
    item.append(name, hidden, remove);
    list.append(item);
    discard();
    panel.hidden = true;
    panel.dataset.state = "";
    say("");
  }

  const devices = navigator.mediaDevices;
  const group = composer.querySelector(".record-buttons");
  if (!window.MediaRecorder || !devices || !devices.getUserMedia) {
    if (group) group.hidden = true;  // no recording here (an old browser, or not https)
    return;
  }
  for (const button of composer.querySelectorAll("[data-record]")) {
    if (button.dataset.record.startsWith("screen") && !devices.getDisplayMedia) button.hidden = true;
    button.addEventListener("click", () => {
      if (group) group.open = false;  // the menu folds away once a recording starts
      begin(button.dataset.record);
    });
  }
  buttons.pause.addEventListener("click", pause);
  buttons.stop.addEventListener("click", () => { finish(); });
  buttons.again.addEventListener("click", () => { begin(session ? session.kind : panel.dataset.kind); });
  buttons.attach.addEventListener("click", attach);
  buttons.cancel.addEventListener("click", async () => {
    await discard();
    panel.hidden = true;
    panel.dataset.state = "";
    say("");
  });
})();
