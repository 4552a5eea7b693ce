// Relative, and ending in ';', so that collectstatic rewrites it to GOV.UK Frontend's hashed name
// (the one base.html loads): an absolute '/static/…' path fetched a second, uncached copy of it
// on every page, as a second module.
import { initAll } from '../vendor/govuk/govuk-frontend.min.js';
initAll();
