// A form sent back with errors: bring its error summary into view and give it the focus,
// so the reader (and a screen reader) starts from the list of what to correct.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary, .flash-error");
  if (!summary) {
    return;
  }
  summary.setAttribute("tabindex", "-1");
  summary.scrollIntoView({block: "start"});
  summary.focus({preventScroll: true});
});
