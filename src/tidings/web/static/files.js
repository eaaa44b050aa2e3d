// Files in the composer (picker, paste, drag and drop), uploaded in chunks through
// the resumable upload API, and the image lightbox in threads.
"use strict";

(() => {
  const CHUNK = 4 * 1024 * 1024;
  const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  const composer = document.getElementById("composer");

  async function api(method, path, body, headers = {}) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      body,
      credentials: "same-origin",
      headers: {"X-CSRF-Token": token, ...headers},
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.detail || `HTTP ${response.status}`);
    return answer;
  }

  async function upload(file, progress) {
    const made = await api("POST", "/uploads", JSON.stringify({filename: file.name || "pasted", size: file.size}),
      {"Content-Type": "application/json"});
    let answer = made;
    let offset = 0;
    while (answer.state !== "complete") {
      const chunk = file.slice(offset, offset + CHUNK);
      try {
        answer = await api("PATCH", `/uploads/${made.id}`, chunk,
          {"Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"});
        offset = answer.offset;
      } catch (error) {  // a dropped connection: ask where the server got to
        const probe = await fetch(`/api/v1/uploads/${made.id}`, {method: "HEAD", credentials: "same-origin"});
        if (!probe.ok) throw error;
        const reached = Number(probe.headers.get("Upload-Offset"));
        if (reached === offset) throw error;
        offset = reached;
      }
      progress(offset / Math.max(file.size, 1));
    }
    return answer;
  }

  function addFile(list, file) {
    const item = document.createElement("li");
    item.className = "attachment";
    const name = document.createElement("span");
    name.textContent = file.name || "pasted file";
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Uploading ${name.textContent}`);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => item.remove());
    item.append(name, bar, remove);
    list.append(item);
    upload(file, (done) => { bar.value = done; }).then((answer) => {
      bar.remove();
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "attachment";
      hidden.value = answer.id;
      item.append(hidden);
      item.dataset.upload = answer.id;
      if (answer.kind === "image") {
        const label = document.createElement("label");
        label.htmlFor = `alt-${answer.id}`;
        label.textContent = "Alt text";
        const alt = document.createElement("input");
        alt.id = `alt-${answer.id}`;
        alt.name = `alt_${answer.id}`;
        alt.placeholder = "Describe the image";
        item.append(label, alt);
      }
    }).catch((error) => {
      bar.remove();
      const problem = document.createElement("span");
      problem.className = "error";
      problem.setAttribute("role", "alert");
      problem.textContent = `Not uploaded: ${error.message}`;
      item.append(problem);
    });
  }

  function setUp(form) {
    const input = form.querySelector("[data-attach-input]");
    const list = form.querySelector("#composer-attachments");
    if (!input || !list) return;
    const addAll = (files) => { for (const file of files) addFile(list, file); };
    input.addEventListener("change", () => { addAll(input.files); input.value = ""; });
    form.addEventListener("paste", (event) => {
      const files = event.clipboardData ? [...event.clipboardData.files] : [];
      if (files.length) { event.preventDefault(); addAll(files); }
    });
    // Only files are taken over: text dragged into the message box lands there as usual.
    const carriesFiles = (event) => Boolean(event.dataTransfer && [...event.dataTransfer.types].includes("Files"));
    form.addEventListener("dragover", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      form.classList.add("dropping");
    });
    form.addEventListener("dragleave", () => form.classList.remove("dropping"));
    form.addEventListener("drop", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      form.classList.remove("dropping");
      addAll(event.dataTransfer ? event.dataTransfer.files : []);
    });
    form.addEventListener("tidings:sent", () => { list.replaceChildren(); });
  }

  if (composer) setUp(composer);

  // ---- clips: a speed control beside each audio or video player ----
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".clip-speed [data-speed]");
    if (!button) return;
    const media = button.closest(".file-clip")?.querySelector("audio, video");
    if (!media) return;
    media.playbackRate = Number(button.dataset.speed);
    media.defaultPlaybackRate = media.playbackRate;
    for (const other of button.parentElement.querySelectorAll("[data-speed]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
  });

  // ---- lightbox: a full-size image over the page; Escape or a click closes it ----
  const box = document.createElement("dialog");
  box.className = "lightbox";
  box.setAttribute("aria-label", "Image");
  const full = document.createElement("img");
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", () => box.close());
  box.append(full, close);
  box.addEventListener("click", (event) => { if (event.target === box || event.target === full) box.close(); });
  document.body.append(box);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.lightbox-link");
    if (!link) return;
    event.preventDefault();
    full.src = link.href;
    full.alt = link.dataset.alt || link.querySelector("img")?.alt || "";
    box.showModal();
  });
})();
