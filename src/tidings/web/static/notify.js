// The notifications page: ask the browser for permission to show notifications.
// Showing them, as events arrive on the live socket, is app.js's part.
"use strict";

(() => {
  const box = document.querySelector("[data-notify]");
  if (!box) return;
  const button = box.querySelector("[data-notify-permission]");
  const state = box.querySelector("[data-notify-state]");
  const words = {
    granted: "Browser notifications are on for Tidings.",
    denied: "Your browser blocks notifications from Tidings; allow them in the site settings.",
    default: "",
  };

  function show() {
    if (!("Notification" in window)) {
      state.textContent = "This browser cannot show notifications.";
      return;
    }
    button.hidden = Notification.permission !== "default";
    state.textContent = words[Notification.permission] || "";
  }

  button.addEventListener("click", async () => {
    try {
      await Notification.requestPermission();
    } finally {
      show();
    }
  });
  show();
})();
