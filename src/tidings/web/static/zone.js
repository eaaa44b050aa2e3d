// Pre-fill time-zone fields from the browser, unless the user typed one already.
for (const input of document.querySelectorAll("[data-browser-zone]")) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && (input.value === "" || input.value === "UTC") && !input.dataset.kept) {
    input.value = zone;
  }
}
