// Clip transcripts: the "Transcript" panel under a voice note or video lists what
// was said with its times; choosing a line plays the clip from there. A link
// with ?file=ID&at=MS (from a search hit on spoken words) opens that clip's
// panel and starts the player at that moment.
(() => {
  "use strict";

  const clock = (ms) => {
    const seconds = Math.floor(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };

  const mediaOf = (node) => node.closest(".file-clip")?.querySelector("audio, video");

  async function fill(panel) {
    if (panel.dataset.loaded) return;
    panel.dataset.loaded = "1";
    const list = panel.querySelector(".segments");
    const response = await fetch(panel.dataset.src, { credentials: "same-origin" });
    if (!response.ok) {
      delete panel.dataset.loaded;
      return;
    }
    const transcript = await response.json();
    for (const segment of transcript.segments) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link segment";
      button.dataset.at = String(segment.start_ms);
      const time = document.createElement("time");
      time.textContent = clock(segment.start_ms);
      button.append(time, " ", segment.text);
      item.append(button);
      list.append(item);
    }
  }

  function seek(media, ms, play) {
    const go = () => {
      media.currentTime = ms / 1000;
      if (play) media.play().catch(() => {}); // a browser may refuse to play unasked
    };
    if (media.readyState >= 1) {
      go();
      return;
    }
    media.preload = "metadata";
    media.addEventListener("loadedmetadata", go, { once: true });
    media.load();
  }

  function mark(panel, ms) {
    let chosen = null;
    for (const button of panel.querySelectorAll(".segment")) {
      if (Number(button.dataset.at) <= ms) chosen = button;
      button.removeAttribute("aria-current");
    }
    chosen?.setAttribute("aria-current", "true");
  }

  document.addEventListener(
    "toggle",
    (event) => {
      const panel = event.target;
      if (panel.matches?.(".clip-transcript") && panel.open) fill(panel);
    },
    true,
  );

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".clip-transcript .segment");
    const media = button && mediaOf(button);
    if (!media) return;
    const at = Number(button.dataset.at);
    seek(media, at, true);
    mark(button.closest(".clip-transcript"), at);
  });

  async function seekFromAddress() {
    const params = new URLSearchParams(location.search);
    const file = params.get("file");
    const at = Number(params.get("at"));
    if (!file || !Number.isFinite(at)) return;
    const figure = document.querySelector(`.file-clip[data-file="${CSS.escape(file)}"]`);
    const media = figure?.querySelector("audio, video");
    if (!media) return;
    figure.scrollIntoView({ block: "center" });
    seek(media, at, false);
    const panel = figure.querySelector(".clip-transcript");
    if (panel) {
      panel.open = true;
      await fill(panel);
      mark(panel, at);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", seekFromAddress);
  } else {
    seekFromAddress();
  }
})();
