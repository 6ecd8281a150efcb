// Progressive enhancement for the councillor's briefing: a "Print this page" button.
// Without JavaScript the page says to use the browser's print option instead.
for (const button of document.querySelectorAll("[data-oxtom-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
for (const hint of document.querySelectorAll("[data-oxtom-print-hint]")) {
  hint.hidden = true;
}
