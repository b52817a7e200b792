/* Claimdesk review page: keyboard shortcuts, claim selection, text selection -> offsets,
 * save state and drafts. Everything here is an enhancement: links and forms work without it.
 *
 * Offsets: the server renders the article text as <span data-start="N"> segments, N being a
 * code-point offset into the original text (Python str indexing). DOM offsets are UTF-16
 * units, so the part of a segment before the selection point is counted with Array.from,
 * which iterates code points (an emoji is 2 UTF-16 units but 1 code point).
 */
(function () {
  "use strict";

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const articleText = () => document.getElementById("article-text");
  const reviewPanel = () => document.getElementById("review");
  const currentClaimId = () => (reviewPanel() || {dataset: {}}).dataset.claimId;

  // --- Which segments belong to which claim ----------------------------------------------
  let segmentsByClaim = new Map();

  function indexSegments() {
    segmentsByClaim = new Map();
    $$("#article-text [data-c]").forEach((el) => {
      el.dataset.c.split(" ").forEach((pair) => {
        const [id, role] = pair.split(":");
        if (!segmentsByClaim.has(id)) segmentsByClaim.set(id, []);
        segmentsByClaim.get(id).push([el, role]);
      });
    });
  }

  // Scroll only the claim list's own box to the row: scrollIntoView would also scroll the
  // sidebar, moving the review panel out of view after each save on narrow screens.
  function scrollListTo(row) {
    const box = row.closest(".claims");
    if (!box) return;
    const heading = $("h2", box);
    const top = box.getBoundingClientRect().top + (heading ? heading.offsetHeight : 0);
    const bottom = box.getBoundingClientRect().bottom;
    const r = row.getBoundingClientRect();
    if (r.top < top) box.scrollTop -= top - r.top;
    else if (r.bottom > bottom) box.scrollTop += r.bottom - bottom;
  }

  function markSelected(id, scroll) {
    $$("#article-text .sel").forEach((el) => el.classList.remove("sel", "sel-source", "sel-cue", "sel-content"));
    const segments = segmentsByClaim.get(String(id)) || [];
    segments.forEach(([el, role]) => el.classList.add("sel", "sel-" + role));
    $$("#claim-list .claim-row").forEach((row) => {
      const on = row.dataset.claimId === String(id);
      row.classList.toggle("is-selected", on);
      const link = $("a", row);
      if (on) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
      if (on && scroll) scrollListTo(row);
    });
    if (scroll && segments.length) segments[0][0].scrollIntoView({block: "nearest"});
    else if (scroll) scrollToUnhighlighted();
  }

  // Long articles come with the highlights of the blocks around the selected claim only; the
  // other blocks fetch theirs when scrolled into view (hx-trigger="intersect once"), so
  // scrolling to the selected claim's block is what highlights it.
  function scrollToUnhighlighted() {
    const at = Number((reviewPanel() || {dataset: {}}).dataset.textStart);
    if (Number.isNaN(at)) return;
    const block = $$("#article-text > .block").find(
      (el) => Number(el.dataset.start) <= at && at < Number(el.dataset.end));
    if (block) block.scrollIntoView({block: "nearest"});
  }

  const claimUrl = (id) => ($("#claim-list") || {dataset: {}}).dataset.articleUrl + "?claim=" + id;

  // --- Moving between claims -------------------------------------------------------------
  // One panel load at a time, for the claim asked for last: a new request replaces the one in
  // flight (hx-sync on the claim links), so htmx pushes the URL only with the panel it shows.
  // Keys pressed meanwhile move on from the claim asked for, not from the one still shown.
  let wantedId = null;  // the claim whose panel is on its way
  let stepsAfterSave = 0;  // j/k pressed while a save was on its way

  const isPanelLoad = (detail) => detail.target && detail.target.id === "review"
    && detail.requestConfig && detail.requestConfig.verb === "get";

  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!isPanelLoad(event.detail)) return;
    const url = new URL(event.detail.requestConfig.path, window.location.href);
    wantedId = url.searchParams.get("claim");
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    // Shown, failed or replaced by a newer load (whose beforeRequest comes after this).
    if (!isPanelLoad(event.detail)) return;
    wantedId = null;
    if (event.detail.successful === false) rationaleWanted = false;
  });
  // A response for a panel that another one has replaced meanwhile is dropped: htmx would
  // push its URL and then find nothing to swap it into.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "review" && !target.isConnected) event.detail.shouldSwap = false;
  });
  const panelLoading = () => wantedId !== null;

  function selectClaim(id) {
    const link = $("#claim-item-" + id + " a");
    // htmx fetches the review panel (or the browser follows the href); a claim outside the
    // list's loaded pages opens the article on it, with the list page around it.
    if (link) link.click();
    else window.location.assign(claimUrl(id));
  }

  // The claim list is paged: j past the last row (k before the first) loads the next
  // (previous) page through its link first, then moves.
  let loadingList = false;

  function loadListPage(which) {
    const link = $('#claim-list .list-more[data-list="' + which + '"] a');
    if (!link || loadingList) return null;
    loadingList = true;
    return htmx.ajax("GET", link.getAttribute("hx-get"), {target: link.closest("li"), swap: "outerHTML"})
      .finally(() => { loadingList = false; });
  }

  function moveSelection(step) {
    if (savingClaimId !== null) {  // the save moves to another claim: move on from that one
      stepsAfterSave += step;
      return;
    }
    const rows = $$("#claim-list .claim-row");
    if (!rows.length) return;
    const id = wantedId || currentClaimId();
    const at = rows.findIndex((row) => row.dataset.claimId === id);
    if (at === -1 && id) {  // the panel moved (after a save) past the loaded rows
      window.location.assign(claimUrl(id));
      return;
    }
    const next = at === -1 ? 0 : at + step;
    if (next >= rows.length || next < 0) {
      const loading = loadListPage(step > 0 ? "later" : "earlier");
      if (loading) loading.then(() => moveSelection(step));
      return;
    }
    if (next !== at) selectClaim(rows[next].dataset.claimId);
  }

  document.addEventListener("click", (event) => {
    const segment = event.target.closest && event.target.closest("#article-text [data-c]");
    if (!segment || !window.getSelection().isCollapsed) return;
    // Several claims can cover one segment: a second click moves to the next of them.
    const ids = [...new Set(segment.dataset.c.split(" ").map((pair) => pair.split(":")[0]))];
    const at = ids.indexOf(currentClaimId());
    selectClaim(ids[(at + 1) % ids.length]);
  });

  // --- Text selection -> offsets into the original text ----------------------------------
  let lastSelection = null;

  function codePoints(text) {
    return Array.from(text).length;
  }

  function pointOffset(node, offset) {
    const root = articleText();
    if (!root) return null;
    if (node === root) {
      const child = root.childNodes[offset];
      return child ? Number(child.dataset.start) : Number(root.dataset.length);
    }
    if (node.nodeType === Node.ELEMENT_NODE && root.contains(node)) {
      // A point between the segments of a block: the next segment's start, if there is one.
      const child = node.childNodes[offset];
      if (child && child.dataset && child.dataset.start !== undefined) return Number(child.dataset.start);
    }
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const segment = element && element.closest("[data-start]");
    if (!segment || !root.contains(segment)) return null;
    const start = Number(segment.dataset.start);
    if (node.nodeType === Node.TEXT_NODE) return start + codePoints(node.data.slice(0, offset));
    return offset === 0 ? start : start + codePoints(segment.textContent);
  }

  function selectionOffsets() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    const start = pointOffset(range.startContainer, range.startOffset);
    const end = pointOffset(range.endContainer, range.endOffset);
    if (start === null || end === null || start >= end) return null;
    return {start, end, text: selection.toString()};
  }

  function applySelection(root) {
    if (!lastSelection) return;
    $$("form.js-selection", root).forEach((form) => {
      $(".sel-start", form).value = lastSelection.start;
      $(".sel-end", form).value = lastSelection.end;
      $(".sel-text", form).value = "";
      const preview = $(".selection-preview", form);
      const text = lastSelection.text.length > 160 ? lastSelection.text.slice(0, 160) + "…" : lastSelection.text;
      preview.textContent = "Selected [" + lastSelection.start + ", " + lastSelection.end + "): “" + text + "”";
      preview.classList.add("has-selection");
    });
  }

  function syncSelection() {
    const offsets = selectionOffsets();
    if (offsets) {
      lastSelection = offsets;
      applySelection(document);
    }
  }

  document.addEventListener("selectionchange", syncSelection);

  document.addEventListener("input", (event) => {
    if (!event.target.classList.contains("sel-text")) return;
    const form = event.target.form;  // typed text replaces the mouse selection
    $(".sel-start", form).value = "";
    $(".sel-end", form).value = "";
  });

  function hasSelection(form) {
    return $(".sel-start", form).value !== "" || $(".sel-text", form).value.trim() !== "";
  }

  // The first field, in reading order, that the reviewer still has to fill: the content's
  // when nothing is selected, else the one after it (the cue).
  function firstFieldToFill(form) {
    const fields = $$("input:not([type=hidden]), select, textarea", form);
    const contentGiven = hasSelection(form);
    return fields.find((field) => field.value === ""
      && !(contentGiven && field.matches(".sel-start, .sel-end, .sel-text"))) || fields[0];
  }

  // --- Save state and drafts ---------------------------------------------------------------
  const draftKey = (claimId) => "claimdesk:draft:" + claimId;
  const DRAFT_FIELDS = ["rationale", "evidence_links", "source_correct", "content_correct"];

  function setSaveState(state, text) {
    const badge = document.getElementById("save-state");
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = text;
  }

  function formValues(form) {
    const data = new FormData(form);
    return Object.fromEntries(DRAFT_FIELDS.map((name) => [name, data.get(name) || ""]));
  }

  function saveDraft(form) {
    const values = formValues(form);
    values.revision = form.elements.expected_revision.value;
    try { sessionStorage.setItem(draftKey(currentClaimId()), JSON.stringify(values)); } catch (e) { /* storage full or off */ }
  }

  function fillForm(form, draft) {
    DRAFT_FIELDS.forEach((name) => {
      const field = form.elements[name];
      if (field instanceof RadioNodeList) field.value = draft[name];
      else if (field) field.value = draft[name];
    });
  }

  function restoreDraft() {
    const form = document.getElementById("verdict-form");
    if (!form) return;
    let draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(draftKey(currentClaimId())) || "null"); } catch (e) { draft = null; }
    if (!draft) return;
    const now = formValues(form);
    if (DRAFT_FIELDS.every((name) => now[name] === draft[name])) return;
    if (draft.revision !== form.elements.expected_revision.value) {
      offerOlderDraft(form, draft);
      return;
    }
    fillForm(form, draft);
    setSaveState("dirty", "Unsaved changes (draft restored)");
  }

  // A draft typed against an earlier revision (the verdict was saved elsewhere meanwhile, and
  // this page reloaded after the 409): the form shows the stored verdict, and the reviewer's
  // unsaved input is offered beside it instead of being dropped.
  function offerOlderDraft(form, draft) {
    const box = document.createElement("div");
    box.className = "alert alert-stale";
    box.setAttribute("role", "status");
    box.dataset.testid = "older-draft";
    const head = document.createElement("p");
    head.textContent = "Your unsaved input from before the verdict changed elsewhere is kept:";
    box.append(head);
    [["rationale", "Rationale"], ["evidence_links", "Evidence links"]].forEach(([name, label]) => {
      if (!draft[name]) return;
      const line = document.createElement("p");
      line.className = "small";
      line.textContent = label + ": “" + draft[name] + "”";
      box.append(line);
    });
    const putBack = document.createElement("button");
    putBack.type = "button";
    putBack.textContent = "Put it back in the form";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard it";
    const buttons = document.createElement("p");
    buttons.className = "btn-row";
    buttons.append(putBack, discard);
    box.append(buttons);
    putBack.addEventListener("click", () => {
      fillForm(form, draft);
      box.remove();
      setSaveState("dirty", "Unsaved changes (your earlier input)");
      saveDraft(form);  // now a draft of the current revision
    });
    discard.addEventListener("click", () => {
      try { sessionStorage.removeItem(draftKey(currentClaimId())); } catch (e) { /* ignore */ }
      box.remove();
    });
    form.before(box);
  }

  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (!form || form.id !== "verdict-form") return;
    setSaveState("dirty", "Unsaved changes");
    saveDraft(form);
  });
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (!form || form.id !== "verdict-form" || event.target.type !== "radio") return;
    setSaveState("dirty", "Unsaved changes");
    saveDraft(form);
  });

  let savingClaimId = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.id !== "verdict-form") return;
    savingClaimId = currentClaimId();
    setSaveState("saving", "Saving…");
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    // The form's own request (htmx tells the panel's column when the form was swapped out),
    // not another one that ended during the save (a block of highlights, say).
    const elt = event.detail.requestConfig ? event.detail.requestConfig.elt : event.target;
    if (!elt || elt.id !== "verdict-form") return;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401) {
      setSaveState("failed", "Signed out — your input is kept; log in to save it");
    } else if (status === 403) {  // e.g. a CSRF token made stale by a log-in in another tab
      setSaveState("failed", "Refused — reload the page; your input is kept as a draft");
    } else if (!event.detail.successful && status !== 409 && status !== 422) {
      setSaveState("failed", "Save failed — retry");
    }
    savingClaimId = null;
    // Moves asked for during the save start from the claim it moved to; a refused save stays
    // on its claim, with the reason shown.
    const steps = stepsAfterSave;
    const clicked = claimClickedDuringSave;
    stepsAfterSave = 0;
    claimClickedDuringSave = null;
    if (clicked) selectClaim(clicked);
    else if (steps && status === 200) moveSelection(steps);
  });
  // A claim clicked in the list during a save opens once the save is done: both answers
  // would replace the same panel, and the later one would find it gone.
  let claimClickedDuringSave = null;
  document.addEventListener("click", (event) => {
    const row = savingClaimId !== null && event.target.closest && event.target.closest("#claim-list .claim-row");
    if (!row) return;
    event.preventDefault();
    event.stopPropagation();
    claimClickedDuringSave = row.dataset.claimId;
  }, true);
  // The server's word that a verdict is stored: only then is the claim's draft dropped.
  document.addEventListener("verdictSaved", (event) => {
    try { sessionStorage.removeItem(draftKey(event.detail.claim)); } catch (e) { /* ignore */ }
  });
  document.addEventListener("htmx:sendError", () => setSaveState("failed", "Save failed — retry (no connection)"));

  function panelLoaded(fromSwap) {
    // The progress count comes from the server (an out-of-band swap with each save).
    const id = currentClaimId();
    if (id) markSelected(id, fromSwap);
    applySelection(reviewPanel());
    restoreDraft();
  }

  let rationaleWanted = false;  // r pressed while a panel was loading
  function focusRationale() {
    const rationale = $("#verdict-form textarea[name=rationale]");
    if (rationale) rationale.focus();
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "review") {
      panelLoaded(true);
      const panel = reviewPanel();
      if (rationaleWanted) focusRationale();
      rationaleWanted = false;
      if (panel && !panel.contains(document.activeElement)) panel.focus({preventScroll: true});
    } else {  // a block of highlights or a page of the claim list came in
      indexSegments();
      const id = currentClaimId();
      if (id) markSelected(id, false);
    }
  });

  // --- Keys ----------------------------------------------------------------------------------
  function clickKeyButton(key) {
    const button = $('#review button[data-key="' + key + '"]');
    if (!button || button.disabled) return false;
    if (reviewPanel().classList.contains("htmx-added")) return true;  // htmx has not wired it yet
    // Another claim's panel is on its way: this one's buttons are not what the key was for.
    if (panelLoading()) return true;
    const form = button.form;
    // A save is under way: the keys wait for it (htmx also drops a second request).
    // (Not the htmx-request class: htmx copies classes onto the new panel while it settles.)
    if (form && form.id === "verdict-form" && savingClaimId !== null) return true;
    if (form && form.classList.contains("js-selection") && !hasSelection(form)) {
      const preview = $(".selection-preview", form);
      preview.textContent = "Select some of the article text first.";
      preview.classList.add("has-selection");
      return true;
    }
    button.click();
    return true;
  }

  function toggleHelp() {
    const dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const inField = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (inField) {
      if (event.key === "Escape") {
        target.blur();
        const panel = reviewPanel();
        if (panel) panel.focus({preventScroll: true});
      } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form && target.form.id === "verdict-form") {
        event.preventDefault();
        const chosen = $('button[aria-pressed="true"]', target.form);
        if (chosen) chosen.click();
        else setSaveState("failed", "Pick a label: 1, 2 or 3");
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Read the selection now: a key pressed right after selecting can beat "selectionchange".
    if (["s", "c", "t", "n"].includes(event.key)) syncSelection();
    let handled = true;
    switch (event.key) {
      case "1": case "2": case "3": case "s": case "c": case "t": case "x":
        handled = clickKeyButton(event.key);
        break;
      case "j": moveSelection(1); break;
      case "k": moveSelection(-1); break;
      case "r": {
        // While another claim's panel loads, the rationale to write is that claim's.
        if (panelLoading()) rationaleWanted = true;
        else focusRationale();
        break;
      }
      case "n": {
        const add = document.getElementById("add-claim");
        if (!add) { handled = false; break; }
        add.open = true;
        applySelection(add);
        firstFieldToFill($("form", add)).focus();
        break;
      }
      case "?": toggleHelp(); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    if (!articleText()) return;
    indexSegments();
    panelLoaded(false);
  });
})();
