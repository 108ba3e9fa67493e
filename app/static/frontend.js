// GOV.UK Frontend's scripts, served by the app from the govuk-frontend package: menu toggle, password reveal.
// Every page works without them.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A date is typed as 01/12/2026 whatever language the browser speaks; where the browser has a calendar, a
// button beside the field picks from it and writes the date back in that form.
const calendarSupported = (() => {
  const probe = document.createElement("input");
  probe.type = "date";
  return probe.type === "date" && "showPicker" in probe;
})();

const asTyped = (iso) => {
  const [year, month, day] = iso.split("-");
  return `${day}/${month}/${year}`;
};

const asIso = (typed) => {
  const found = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(typed.trim());
  if (!found) return /^\d{4}-\d{2}-\d{2}$/.test(typed.trim()) ? typed.trim() : "";
  const [, day, month, year] = found;
  return `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
};

if (calendarSupported) {
  for (const field of document.querySelectorAll("input[data-date-input]")) {
    const label = document.querySelector(`label[for="${field.id}"]`);
    const calendar = document.createElement("input");
    calendar.type = "date";
    calendar.tabIndex = -1;
    calendar.className = "app-date-calendar";
    calendar.setAttribute("aria-hidden", "true");
    calendar.setAttribute("aria-label", "Calendar");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary app-date-button";
    button.textContent = "Choose from a calendar";
    if (label) {
      const which = document.createElement("span");
      which.className = "govuk-visually-hidden";
      which.textContent = `: ${label.textContent.trim()}`;
      button.append(which);
    }
    button.addEventListener("click", () => {
      calendar.value = asIso(field.value);
      calendar.showPicker();
    });
    calendar.addEventListener("change", () => {
      if (calendar.value) field.value = asTyped(calendar.value);
      field.focus();
    });
    field.after(button, calendar);
  }
}
