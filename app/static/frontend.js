// GOV.UK Frontend's scripts, served by the app from the govuk-frontend package: menu toggle, password reveal.
// Every page works without them.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
