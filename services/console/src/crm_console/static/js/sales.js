// The pipeline board: drag a card onto another column to move it (HTML5 drag and drop). The
// move is the same console route as the card's "Move to" form (the keyboard and screen-reader
// way), posted with htmx; the server answers the re-rendered board, or for Lost the question
// "why?" in the dialog. The board is re-rendered by htmx, so the listeners are delegated.
(function () {
  "use strict";

  let dragged = null;

  document.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest("[data-opportunity]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.opportunity);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-over").forEach(function (el) { el.classList.remove("drop-over"); });
  });

  function column(event) {
    return event.target.closest ? event.target.closest("[data-drop-stage]") : null;
  }

  document.addEventListener("dragover", function (event) {
    const target = column(event);
    if (!target || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    target.classList.add("drop-over");
  });

  document.addEventListener("dragleave", function (event) {
    const target = column(event);
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("drop-over");
  });

  document.addEventListener("drop", function (event) {
    const target = column(event);
    if (!target || !dragged) return;
    event.preventDefault();
    target.classList.remove("drop-over");
    const card = dragged;
    const stage = target.dataset.dropStage;
    if (stage === card.dataset.stage) return;
    const form = card.querySelector("form.opp-move");
    const currency = form ? form.querySelector("[name=currency]").value : "";
    htmx.ajax("POST", "/sales/opportunities/" + card.dataset.opportunity + "/stage", {
      source: card,
      target: "#board",
      swap: "outerHTML",
      values: { stage: stage, version: card.dataset.version, currency: currency },
    });
  });

  // The server asks for the loss reason: show its form in the modal dialog.
  document.addEventListener("sales-ask-reason", function () {
    const dialog = document.getElementById("lost-dialog");
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    const input = dialog.querySelector("#loss-reason");
    if (input) input.focus();
  });

  // A move went through: the board is new, the question answered.
  document.addEventListener("sales-moved", function (event) {
    const dialog = document.getElementById("lost-dialog");
    if (dialog && dialog.open) dialog.close();
    const moved = event.detail && document.getElementById("opp-" + event.detail.opportunity);
    if (moved) moved.focus();
  });

  document.addEventListener("click", function (event) {
    const close = event.target.closest && event.target.closest("[data-close-dialog]");
    const dialog = close && close.closest("dialog");
    if (!dialog) return;
    event.preventDefault();
    dialog.close();
  });
})();
