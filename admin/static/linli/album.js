/* Linli admin: the album's photo manager (/admin/album/<id>/photos/).
 * Many photos at once (file picker or drag and drop), uploaded one after another with a progress
 * bar each; a failed photo says why in Chinese and the others carry on. Photos are reordered,
 * captioned, made the cover, taken down and put back; every change is saved at once. */
(function () {
  "use strict";
  var L = window.Linli;
  var root = document.getElementById("linli-album");
  if (!L || !root) return;
  var canEdit = !!root.dataset.canEdit;
  var grid = document.getElementById("linli-photo-grid");
  var empty = root.querySelector(".linli-photo-empty");
  var counts = document.getElementById("linli-photo-counts");
  var messageBox = document.getElementById("linli-message");
  var photoBase = root.dataset.photoUrl; // …/photo/  (+ <id>/<action>)
  var busy = 0; // uploads and saves still running
  var pendingCaptions = {};

  L.guardDrops();

  window.addEventListener("beforeunload", function (event) {
    if (busy > 0 || Object.keys(pendingCaptions).length) {
      event.preventDefault();
      event.returnValue = L.t("albumLeave");
      return event.returnValue;
    }
    return undefined;
  });

  function cards() { return Array.prototype.slice.call(grid.querySelectorAll(".linli-photo")); }

  function card(id) { return grid.querySelector('.linli-photo[data-id="' + id + '"]'); }

  function say(text, kind) {
    messageBox.hidden = !text;
    messageBox.className = "linli-message alert " + (kind === "error" ? "alert-danger" : "alert-success");
    messageBox.textContent = text || "";
  }

  function updateCounts() {
    var all = cards();
    var hidden = all.filter(function (c) { return c.classList.contains("is-hidden"); }).length;
    if (counts) counts.textContent = L.t(hidden ? "photoCountsHidden" : "photoCounts", { shown: all.length - hidden, hidden: hidden });
    if (empty) empty.hidden = all.length > 0;
    var first = true;
    all.forEach(function (c) {
      var up = c.querySelector('[data-action="up"]');
      var down = c.querySelector('[data-action="down"]');
      if (up) up.disabled = first;
      if (down) down.disabled = !c.nextElementSibling;
      first = false;
    });
  }

  /* Bring a card in line with the server's view of its photo. */
  function apply(c, photo) {
    c.dataset.id = photo.id;
    c.classList.toggle("is-hidden", !!photo.hidden);
    c.classList.toggle("is-cover", !!photo.is_cover);
    var img = c.querySelector("img");
    if (img.getAttribute("src") !== photo.thumb) img.src = photo.thumb;
    img.alt = photo.caption || "";
    if (photo.width) { img.width = photo.width; img.height = photo.height; }
    c.querySelector(".linli-photo-link").href = photo.admin_url;
    var caption = c.querySelector(".linli-caption");
    if (caption && !pendingCaptions[photo.id] && document.activeElement !== caption) caption.value = photo.caption;
    if (caption) caption.dataset.saved = photo.caption;
  }

  function applyAll(photos) {
    photos.forEach(function (photo) {
      var c = card(photo.id);
      if (c) apply(c, photo);
    });
  }

  function post(photoId, action, body) {
    busy++;
    return L.postJSON(photoBase + photoId + "/" + action, body || {}).then(function (res) {
      busy--;
      return res;
    });
  }

  /* --- order ------------------------------------------------------------------------------ */

  var orderChain = Promise.resolve();
  function saveOrder(previous) {
    var ids = cards().map(function (c) { return Number(c.dataset.id); });
    updateCounts();
    busy++;
    orderChain = orderChain.then(function () {
      return L.postJSON(root.dataset.orderUrl, { ids: ids }).then(function (res) {
        busy--;
        if (res.ok) {
          say("");
          return;
        }
        previous.forEach(function (c) { grid.appendChild(c); });
        updateCounts();
        say(res.data.error, "error");
      });
    });
  }

  /* --- captions ----------------------------------------------------------------------------- */

  function saveCaption(c) {
    var input = c.querySelector(".linli-caption");
    var status = c.querySelector(".linli-status");
    var id = c.dataset.id;
    var value = input.value.trim();
    window.clearTimeout(pendingCaptions[id]);
    delete pendingCaptions[id];
    if (value === (input.dataset.saved || "")) { L.setStatus(status, ""); return; }
    L.setStatus(status, L.t("saving"), "busy");
    post(id, "caption", { caption: value }).then(function (res) {
      if (res.ok) {
        input.dataset.saved = res.data.photo.caption;
        c.querySelector("img").alt = res.data.photo.caption;
        L.setStatus(status, input.value.trim() === value ? L.t("captionSaved") : "", "ok");
      } else {
        L.setStatus(status, res.data.error, "error");
      }
    });
  }

  /* --- one card ----------------------------------------------------------------------------- */

  function bind(c) {
    var input = c.querySelector(".linli-caption");
    if (!input) return;
    if (input.dataset.saved == null) input.dataset.saved = input.value;
    input.addEventListener("input", function () {
      var id = c.dataset.id;
      window.clearTimeout(pendingCaptions[id]);
      L.setStatus(c.querySelector(".linli-status"), L.t("unsaved"));
      pendingCaptions[id] = window.setTimeout(function () { saveCaption(c); }, 1200);
    });
    input.addEventListener("change", function () { saveCaption(c); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); saveCaption(c); }
    });
    c.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var action = button.dataset.action;
      var status = c.querySelector(".linli-status");
      var previous = cards();
      if (action === "up" && c.previousElementSibling) {
        grid.insertBefore(c, c.previousElementSibling);
        saveOrder(previous);
        button.focus();
      } else if (action === "down" && c.nextElementSibling) {
        grid.insertBefore(c.nextElementSibling, c);
        saveOrder(previous);
        button.focus();
      } else if (action === "cover" || action === "hide" || action === "show") {
        button.disabled = true;
        L.setStatus(status, L.t("saving"), "busy");
        post(c.dataset.id, action).then(function (res) {
          button.disabled = false;
          if (!res.ok) { L.setStatus(status, res.data.error, "error"); return; }
          if (res.data.photos) applyAll(res.data.photos);
          if (res.data.photo) apply(c, res.data.photo);
          L.setStatus(status, action === "cover" ? L.t("coverSet") : "", "ok");
          if (res.data.message) say(res.data.message, "ok");
          else say("");
          updateCounts();
        });
      }
    });
  }

  /* --- uploads ----------------------------------------------------------------------------- */

  var summary = document.getElementById("linli-upload-summary");
  var queueList = summary && summary.querySelector(".linli-queue");
  var summaryText = summary && summary.querySelector(".linli-summary-text");
  var overallBar = summary && summary.querySelector(".progress-bar");
  var clearButton = summary && summary.querySelector(".linli-clear-queue");
  var queue = [];
  var running = false;
  var totals = { all: 0, done: 0, ok: 0, failed: 0 };

  function updateSummary(current) {
    summary.hidden = totals.all === 0;
    var parts = [];
    if (totals.done < totals.all) parts.push(L.t("uploadProgress", { n: totals.done + 1, all: totals.all }));
    else parts.push(L.t("uploadDone", { all: totals.all }));
    parts.push(L.t("uploadOk", { ok: totals.ok }));
    if (totals.failed) parts.push(L.t("uploadFailed", { failed: totals.failed }));
    summaryText.textContent = parts.join(" · ");
    overallBar.style.width = (totals.all ? Math.round(((totals.done + (current || 0)) / totals.all) * 100) : 0) + "%";
    clearButton.hidden = totals.done < totals.all;
  }

  function queueRow(file) {
    var li = document.createElement("li");
    li.className = "linli-queue-item";
    var name = document.createElement("span");
    name.className = "linli-queue-name";
    name.textContent = L.t("nameSize", { name: file.name, size: L.sizeText(file.size) });
    var progress = document.createElement("div");
    progress.className = "progress linli-progress";
    var bar = document.createElement("div");
    bar.className = "progress-bar";
    progress.appendChild(bar);
    var status = document.createElement("span");
    status.className = "linli-status";
    L.setStatus(status, L.t("waiting"));
    li.appendChild(name);
    li.appendChild(progress);
    li.appendChild(status);
    queueList.appendChild(li);
    return { li: li, bar: bar, progress: progress, status: status };
  }

  function addFiles(files) {
    files = Array.prototype.slice.call(files || []);
    if (!files.length) return;
    say("");
    if (totals.done === totals.all) { totals = { all: 0, done: 0, ok: 0, failed: 0 }; }
    files.forEach(function (file) {
      queue.push({ file: file, row: queueRow(file) });
      totals.all++;
    });
    updateSummary();
    if (!running) next();
  }

  function finish(item, ok, text) {
    totals.done++;
    if (ok) totals.ok++; else totals.failed++;
    item.row.progress.hidden = true;
    L.setStatus(item.row.status, text, ok ? "ok" : "error");
    item.row.li.classList.add(ok ? "is-ok" : "is-error");
    updateSummary();
  }

  function next() {
    var item = queue.shift();
    if (!item) {
      running = false;
      if (totals.failed) say(L.t("someFailed", { failed: totals.failed }), "error");
      return;
    }
    running = true;
    var refused = L.tooBig(item.file, L.config().maxImageBytes, "tooBigPhoto");
    if (refused) { finish(item, false, refused); next(); return; }
    L.setStatus(item.row.status, L.t("uploading"), "busy");
    busy++;
    L.uploadFile(root.dataset.uploadUrl, item.file, {}, function (fraction) {
      item.row.bar.style.width = Math.round(fraction * 100) + "%";
      if (fraction >= 1) L.setStatus(item.row.status, L.t("processing"), "busy");
      updateSummary(fraction);
    }).then(function (res) {
      busy--;
      if (res.ok) {
        var photo = res.data.photo;
        if (res.data.duplicate) {
          finish(item, true, res.data.message);
          var existing = card(photo.id);
          if (existing) existing.classList.add("is-flash");
        } else {
          var c = L.fromTemplate("linli-photo-template");
          grid.appendChild(c);
          apply(c, photo);
          bind(c);
          updateCounts();
          finish(item, true, L.t("uploaded"));
        }
      } else {
        finish(item, false, res.data.error);
      }
      next();
    });
  }

  if (canEdit) {
    var input = document.getElementById("linli-photo-input");
    var zone = document.getElementById("linli-dropzone");
    input.addEventListener("change", function () {
      var files = input.files;
      addFiles(files);
      input.value = "";
    });
    function hasFiles(event) {
      var types = event.dataTransfer && event.dataTransfer.types;
      return types && Array.prototype.indexOf.call(types, "Files") >= 0;
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("is-dragover");
      });
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("is-dragover");
    });
    zone.addEventListener("drop", function (event) {
      zone.classList.remove("is-dragover");
      if (!hasFiles(event)) return;
      event.preventDefault();
      addFiles(event.dataTransfer.files);
    });
    clearButton.addEventListener("click", function () {
      Array.prototype.forEach.call(queueList.querySelectorAll(".linli-queue-item.is-ok"), function (li) { li.remove(); });
      if (!queueList.children.length) { totals = { all: 0, done: 0, ok: 0, failed: 0 }; summary.hidden = true; }
    });
    cards().forEach(bind);
  }
  updateCounts();
})();
