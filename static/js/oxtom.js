// Progressive enhancement only: every page works without this file.
// Loaded as a module from our own origin (CSP script-src 'self', no inline
// scripts), so only browsers that GOV.UK Frontend supports ever run it.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
