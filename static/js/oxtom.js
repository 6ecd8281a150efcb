// Progressive enhancement only: every page works without this file.
// Loaded as a module from our own origin (CSP script-src 'self', no inline
// scripts), so only browsers that GOV.UK Frontend supports ever run it.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Words and controls that only make sense with JavaScript (e.g. "use your location") are in the page
// with the hidden attribute and data-js-only, so without JavaScript nobody is offered what is not there.
// data-js-only="geolocation" also needs the browser to be able to give a location.
for (const element of document.querySelectorAll("[data-js-only]")) {
  if (element.dataset.jsOnly !== "geolocation" || "geolocation" in navigator) element.hidden = false;
}
