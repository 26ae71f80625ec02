/* Linli admin editor, on create/edit pages and the settings page:
 * - every <textarea class="markdown-source"> gets a toolbar (小标题, 加粗, 列表, 链接, 插入图片) and a
 *   live preview rendered on the server by the same function as the public site;
 *   images can also be dropped or pasted into the text;
 * - every <input data-upload="image"> gets an upload button and a thumbnail;
 * - a notice's attachments are uploaded, retitled, reordered and removed in place;
 * - leaving a page with unsaved changes asks first.
 * Without JavaScript the fields stay plain fields and the form saves as before. */
(function () {
  "use strict";
  var L = window.Linli;
  if (!L || !document.querySelector) return;
  var PREVIEW_DELAY = 400;
  var IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,.jpg,.jpeg,.png,.webp,.gif,.heic,.heif";

  /* --- unsaved-changes guard ----------------------------------------------------------- */

  var guard = {
    forms: [],
    submitting: false,
    busy: 0, // uploads still running
    state: function (form) {
      var parts = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrf_token" || el.type === "file" || el.type === "submit" || el.type === "button") return;
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
        if (el.tagName === "SELECT" && el.multiple) {
          parts.push(el.name + "=" + Array.prototype.filter.call(el.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; }).join(","));
          return;
        }
        parts.push(el.name + "=" + el.value);
      });
      return parts.join("\u0001");
    },
    watch: function (form) {
      if (!form || guard.forms.some(function (f) { return f.form === form; })) return;
      var entry = { form: form, initial: guard.state(form), touched: false };
      guard.forms.push(entry);
      ["input", "change", "keydown"].forEach(function (type) {
        form.addEventListener(type, function () { entry.touched = true; }, true);
      });
      // Date pickers and other widgets may still tidy values while the page loads.
      window.addEventListener("load", function () {
        if (!entry.touched) entry.initial = guard.state(form);
      });
      form.addEventListener("submit", function (event) {
        if (guard.busy > 0) {
          event.preventDefault();
          window.alert(L.t("uploadsRunning"));
          return;
        }
        // A submit that goes through (not blocked by the browser's own checks) may leave.
        guard.submitting = true;
        window.setTimeout(function () { guard.submitting = false; }, 5000);
      });
    },
    dirty: function () {
      return guard.forms.some(function (entry) { return guard.state(entry.form) !== entry.initial; });
    }
  };

  window.addEventListener("beforeunload", function (event) {
    if (guard.submitting) return undefined;
    if (guard.busy > 0 || guard.dirty()) {
      event.preventDefault();
      event.returnValue = L.t("leaveUnsaved");
      return event.returnValue;
    }
    return undefined;
  });

  /* --- text helpers ---------------------------------------------------------------------- */

  /* Replace [start, end) of the textarea by text, keeping the browser's undo where possible. */
  function replaceRange(ta, start, end, text, selectFrom, selectTo) {
    ta.focus();
    ta.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand && document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || ta.value.substring(start, start + text.length) !== text) {
      ta.setRangeText(text, start, end, "end");
    }
    var from = selectFrom == null ? start + text.length : start + selectFrom;
    var to = selectTo == null ? from : start + selectTo;
    ta.setSelectionRange(from, to);
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function lineBounds(ta) {
    var value = ta.value;
    var start = value.lastIndexOf("\n", ta.selectionStart - 1) + 1;
    var endAt = ta.selectionEnd > ta.selectionStart && value.charAt(ta.selectionEnd - 1) === "\n"
      ? ta.selectionEnd - 1 : ta.selectionEnd;
    var end = value.indexOf("\n", endAt);
    if (end < 0) end = value.length;
    return { start: start, end: end };
  }

  function heading(ta) {
    var b = lineBounds(ta);
    var line = ta.value.substring(b.start, b.end);
    var bare = line.replace(/^#{1,6}\s*/, "");
    var placeholder = L.t("headingPlaceholder");
    var text = line.match(/^##\s/) ? bare : "## " + (bare || placeholder);
    var selectFrom = text.indexOf(bare || placeholder);
    replaceRange(ta, b.start, b.end, text, selectFrom, bare ? text.length : selectFrom + placeholder.length);
  }

  function bold(ta) {
    var s = ta.selectionStart, e = ta.selectionEnd;
    var selected = ta.value.substring(s, e);
    if (/^\*\*[\s\S]*\*\*$/.test(selected) && selected.length >= 4) {
      replaceRange(ta, s, e, selected.slice(2, -2), 0, selected.length - 4);
      return;
    }
    var inner = selected || L.t("boldPlaceholder");
    replaceRange(ta, s, e, "**" + inner + "**", 2, 2 + inner.length);
  }

  function list(ta) {
    var b = lineBounds(ta);
    var lines = ta.value.substring(b.start, b.end).split("\n");
    var all = lines.every(function (line) { return /^\s*[-*]\s/.test(line) || !line.trim(); });
    var text = lines.map(function (line) {
      if (all) return line.replace(/^(\s*)[-*]\s/, "$1");
      if (!line.trim() && lines.length > 1) return line;
      return "- " + line;
    }).join("\n");
    if (text === "- ") {
      var item = L.t("listPlaceholder");
      replaceRange(ta, b.start, b.end, "- " + item, 2, 2 + item.length);
      return;
    }
    replaceRange(ta, b.start, b.end, text, 0, text.length);
  }

  function link(ta) {
    var s = ta.selectionStart, e = ta.selectionEnd;
    var label = ta.value.substring(s, e).replace(/\n/g, " ") || L.t("linkPlaceholder");
    var url = window.prompt(L.t("linkPrompt"), "https://");
    if (url === null) { ta.focus(); return; }
    url = url.trim();
    if (!url || url === "https://" || url === "http://") { ta.focus(); return; }
    if (!/^(https?:\/\/|mailto:|tel:|\/)/i.test(url)) url = "https://" + url;
    replaceRange(ta, s, e, "[" + label + "](" + url.replace(/\s/g, "%20").replace(/\)/g, "%29") + ")", 1, 1 + label.length);
  }

  /* --- Markdown editors --------------------------------------------------------------------- */

  function makeButton(label, title, handler) {
    var button = document.createElement("button");
    button.type = "button"; // never submits the form
    button.className = "btn btn-sm btn-light";
    button.textContent = label;
    button.title = title;
    button.addEventListener("click", handler);
    return button;
  }

  function enhanceMarkdown(ta) {
    if (ta.dataset.linliEditor) return;
    ta.dataset.linliEditor = "1";
    var wrapper = document.createElement("div");
    wrapper.className = "linli-md";
    var toolbar = document.createElement("div");
    toolbar.className = "linli-md-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", L.t("toolbar"));
    var message = document.createElement("div");
    message.className = "linli-md-message";
    message.setAttribute("role", "alert");
    message.hidden = true;
    var panes = document.createElement("div");
    panes.className = "linli-md-panes";
    var editPane = document.createElement("div");
    editPane.className = "linli-md-edit";
    var previewPane = document.createElement("div");
    previewPane.className = "linli-md-preview-pane";
    var previewLabel = document.createElement("div");
    previewLabel.className = "linli-md-preview-label";
    previewLabel.textContent = L.t("previewLabel");
    var previewState = document.createElement("span");
    previewState.className = "linli-md-preview-state";
    previewLabel.appendChild(previewState);
    var preview = document.createElement("div");
    preview.className = "linli-md-preview linli-article";
    preview.setAttribute("aria-live", "polite");

    ta.parentNode.insertBefore(wrapper, ta);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(message);
    wrapper.appendChild(panes);
    panes.appendChild(editPane);
    panes.appendChild(previewPane);
    editPane.appendChild(ta);
    previewPane.appendChild(previewLabel);
    previewPane.appendChild(preview);

    var fileInput = document.createElement("input");
    fileInput.type = "file";
    fileInput.accept = IMAGE_TYPES;
    fileInput.multiple = true;
    fileInput.hidden = true;
    fileInput.tabIndex = -1;
    wrapper.appendChild(fileInput);

    function showMessage(text) {
      message.hidden = !text;
      message.textContent = "";
      if (!text) return;
      var span = document.createElement("span");
      span.textContent = text;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.setAttribute("aria-label", L.t("close"));
      close.textContent = "×";
      close.addEventListener("click", function () { showMessage(""); ta.focus(); });
      message.appendChild(close);
      message.appendChild(span);
    }

    toolbar.appendChild(makeButton(L.t("heading"), L.t("headingTitle"), function () { heading(ta); }));
    toolbar.appendChild(makeButton(L.t("bold"), L.t("boldTitle"), function () { bold(ta); }));
    toolbar.appendChild(makeButton(L.t("list"), L.t("listTitle"), function () { list(ta); }));
    toolbar.appendChild(makeButton(L.t("link"), L.t("linkTitle"), function () { link(ta); }));
    var imageButton = makeButton(L.t("insertImage"), L.t("insertImageTitle"), function () {
      fileInput.click();
    });
    imageButton.classList.add("linli-md-image");
    toolbar.appendChild(imageButton);
    toolbar.appendChild(wordImportButton(ta, showMessage));
    var help = document.createElement("span");
    help.className = "linli-md-help";
    help.textContent = L.t("markdownHelp");
    toolbar.appendChild(help);

    ta.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "b" || event.key === "B")) {
        event.preventDefault();
        bold(ta);
      }
    });

    // --- preview: debounced, the last answer wins ---
    var timer = null, seq = 0, shown = 0, controller = null, last = null;
    function refresh() {
      timer = null;
      var text = ta.value;
      if (text === last) return;
      if (!text.trim()) {
        last = text;
        preview.innerHTML = '<p class="linli-md-empty"></p>';
        preview.firstChild.textContent = L.t("previewEmpty");
        L.setStatus(previewState, "");
        return;
      }
      var mine = ++seq;
      if (controller && window.AbortController) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      L.setStatus(previewState, L.t("previewUpdating"), "busy");
      L.postJSON(L.config().previewUrl, { text: text }, { signal: controller && controller.signal }).then(function (res) {
        if (res.aborted || mine < shown) return;
        shown = mine;
        if (res.ok) {
          last = text;
          preview.innerHTML = res.data.html || ""; // sanitised on the server by render_markdown
          L.setStatus(previewState, "");
        } else {
          L.setStatus(previewState, L.t("previewFailed", { error: res.data.error }), "error");
        }
      });
    }
    function schedule() {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(refresh, PREVIEW_DELAY);
    }
    ta.addEventListener("input", schedule);
    refresh();

    // --- images: toolbar button, drop, paste ---
    var uploading = 0;
    function uploadImages(files) {
      files = Array.prototype.slice.call(files || []);
      if (!files.length) return;
      showMessage("");
      var chain = Promise.resolve();
      files.forEach(function (file) {
        chain = chain.then(function () { return uploadImage(file); });
      });
    }
    function uploadImage(file) {
      var refused = L.tooBig(file, L.config().maxImageBytes, "tooBigPhoto");
      if (refused) { showMessage(refused); return Promise.resolve(); }
      var token = "![" + L.t("uploadingImage", { name: file.name.replace(/[\[\]\n]/g, "") }) + "]()";
      // A picture is a paragraph of its own: at the cursor when it stands at the start or end of
      // a line, else after the cursor's line, so it never splits a sentence or **bold** text.
      var at = ta.selectionEnd;
      var lineEnd = ta.value.indexOf("\n", at);
      if (lineEnd < 0) lineEnd = ta.value.length;
      if (at !== lineEnd && at !== ta.value.lastIndexOf("\n", at - 1) + 1) at = lineEnd;
      var before = ta.value.substring(0, at), rest = ta.value.substring(at);
      var prefix = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
      var suffix = /^\n\n/.test(rest) ? "" : /^\n/.test(rest) || !rest ? "\n" : "\n\n";
      var inserted = prefix + token + suffix;
      replaceRange(ta, at, at, inserted);
      uploading++;
      guard.busy++;
      imageButton.disabled = true;
      imageButton.textContent = L.t("uploading");
      return L.uploadFile(L.config().imageUrl, file, {}, function (fraction) {
        imageButton.textContent = L.t("uploadingPercent", { percent: Math.round(fraction * 100) });
      }).then(function (res) {
        uploading--;
        guard.busy--;
        if (!uploading) { imageButton.disabled = false; imageButton.textContent = L.t("insertImage"); }
        var pos = ta.value.indexOf(token);
        if (res.ok) {
          var md = res.data.markdown;
          var altEnd = md.indexOf("](");  // select the alt text so it can be typed over
          if (pos >= 0) {
            replaceRange(ta, pos, pos + token.length, md, 2, altEnd);
          } else {
            var end = ta.value.length;
            replaceRange(ta, end, end, "\n\n" + md + "\n", 4, altEnd + 2);
          }
          showMessage("");
          flash(L.t("imageUploaded", { alt: md.substring(2, altEnd) }));
        } else {
          var whole = ta.value.indexOf(inserted);
          if (whole >= 0) replaceRange(ta, whole, whole + inserted.length, "");
          else if (pos >= 0) replaceRange(ta, pos, pos + token.length, "");
          showMessage(res.data.error);
        }
      });
    }
    var flashTimer = null;
    function flash(text) {
      L.setStatus(previewState, text, "ok");
      if (flashTimer) window.clearTimeout(flashTimer);
      flashTimer = window.setTimeout(function () { L.setStatus(previewState, ""); }, 8000);
    }
    fileInput.addEventListener("change", function () {
      var files = fileInput.files;
      uploadImages(files);
      fileInput.value = "";
    });
    function hasFiles(event) {
      var types = event.dataTransfer && event.dataTransfer.types;
      return types && Array.prototype.indexOf.call(types, "Files") >= 0;
    }
    ta.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      wrapper.classList.add("is-dragover");
    });
    ta.addEventListener("dragleave", function () { wrapper.classList.remove("is-dragover"); });
    ta.addEventListener("drop", function (event) {
      wrapper.classList.remove("is-dragover");
      if (!hasFiles(event)) return;
      event.preventDefault();
      uploadImages(event.dataTransfer.files);
    });
    ta.addEventListener("paste", function (event) {
      var items = event.clipboardData && event.clipboardData.files;
      if (!items || !items.length) { pasteHtml(event); return; }
      var images = Array.prototype.filter.call(items, function (f) { return /^image\//.test(f.type); });
      if (!images.length) return;
      event.preventDefault();
      uploadImages(images.map(function (f, i) {
        return f.name && f.name !== "image.png" ? f : new File([f], L.t("pastedImage") + (i ? i + 1 : "") + ".png", { type: f.type });
      }));
    });
  }

  /* --- pasting from Word, WeChat's editor or a web page: the HTML becomes clean Markdown on the
   * server (admin/word_import.py, the same conversion as a Word document); plain text is left
   * to the browser, and if the server cannot be reached the plain text is pasted. --- */

  function pasteHtml(event) {
    var ta = event.target;
    var html = event.clipboardData && event.clipboardData.getData("text/html");
    if (!html || !L.config().pasteUrl) return;
    var plain = event.clipboardData.getData("text/plain");
    event.preventDefault();
    var start = ta.selectionStart, end = ta.selectionEnd;
    guard.busy++;
    L.postJSON(L.config().pasteUrl, { html: html }).then(function (res) {
      guard.busy--;
      var text = res.ok ? res.data.markdown : plain;
      replaceRange(ta, start, end, text);
    });
  }

  /* --- 从Word导入: a .docx converted on the server (admin/word.py) fills the field ------------- */

  function wordImportButton(ta, showMessage) {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    input.hidden = true;
    input.tabIndex = -1;
    var button = makeButton(L.t("wordImport"), L.t("wordImportTitle"), function () { input.click(); });
    button.classList.add("linli-md-word");
    var box = document.createElement("span");
    box.appendChild(button);
    box.appendChild(input);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      input.value = "";
      if (!file) return;
      var refused = L.tooBig(file, L.config().maxAttachmentBytes, "tooBigAttachment");
      if (refused) { showMessage(refused); return; }
      showMessage("");
      button.disabled = true;
      button.textContent = L.t("uploading");
      guard.busy++;
      L.uploadFile(L.config().wordUrl, file, {}, function (fraction) {
        button.textContent = L.t("uploadingPercent", { percent: Math.round(fraction * 100) });
      }).then(function (res) {
        guard.busy--;
        button.disabled = false;
        button.textContent = L.t("wordImport");
        if (!res.ok) { showMessage(res.data.error); return; }
        // An empty field takes the document; otherwise it is added after what is there.
        var end = ta.value.length;
        var before = ta.value.replace(/\s+$/, "");
        replaceRange(ta, before.length, end, (before ? "\n\n" : "") + res.data.markdown + "\n");
        var title = ta.form && ta.form.elements.title;
        if (title && !title.value.trim() && res.data.title) {
          title.value = res.data.title;
          title.dispatchEvent(new Event("input", { bubbles: true }));
        }
        showMessage((res.data.notes || []).join(" "));
      });
    });
    return box;
  }

  /* --- photo fields: <input data-upload="image"> ------------------------------------------ */

  function enhancePhotoField(input) {
    if (input.dataset.linliUpload) return;
    input.dataset.linliUpload = "1";
    var box = document.createElement("div");
    box.className = "linli-photo-field";
    var thumbLink = document.createElement("a");
    thumbLink.target = "_blank";
    thumbLink.rel = "noopener";
    thumbLink.title = L.t("viewLarge");
    var thumb = document.createElement("img");
    thumb.alt = L.t("currentPhoto");
    thumbLink.appendChild(thumb);
    var controls = document.createElement("div");
    controls.className = "linli-photo-field-controls";
    var label = document.createElement("label");
    label.className = "btn btn-sm btn-outline-primary mb-0 linli-file-button";
    var labelText = document.createElement("span");
    labelText.textContent = L.t("uploadPhoto");
    var file = document.createElement("input");
    file.type = "file";
    file.accept = IMAGE_TYPES;
    label.appendChild(labelText);
    label.appendChild(file);
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "btn btn-sm btn-outline-secondary";
    clear.textContent = L.t("noPhoto");
    clear.title = L.t("noPhotoTitle");
    var status = document.createElement("div");
    status.className = "linli-status small";
    status.setAttribute("role", "status");
    var progress = document.createElement("div");
    progress.className = "progress linli-progress";
    progress.hidden = true;
    var bar = document.createElement("div");
    bar.className = "progress-bar";
    progress.appendChild(bar);
    controls.appendChild(label);
    controls.appendChild(clear);
    controls.appendChild(progress);
    controls.appendChild(status);
    box.appendChild(thumbLink);
    box.appendChild(controls);
    input.insertAdjacentElement("afterend", box);

    function show() {
      var path = input.value.trim().replace(/^\/?media\//, "");
      thumbLink.hidden = !path;
      clear.hidden = !path;
      if (path) {
        var url = L.config().mediaBase + path.split("/").map(encodeURIComponent).join("/");
        if (thumb.getAttribute("src") !== url) thumb.src = url;
        thumbLink.href = url;
      } else {
        thumb.removeAttribute("src");
      }
    }
    thumb.addEventListener("error", function () {
      if (!input.value.trim()) return;
      thumbLink.hidden = true;
      L.setStatus(status, L.t("photoMissing"), "error");
    });
    thumb.addEventListener("load", function () {
      if (status.classList.contains("is-error")) L.setStatus(status, "");
    });
    input.addEventListener("change", show);
    clear.addEventListener("click", function () {
      input.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      show();
      L.setStatus(status, L.t("cleared"), "ok");
    });
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      file.value = "";
      if (!chosen) return;
      var refused = L.tooBig(chosen, L.config().maxImageBytes, "tooBigPhoto");
      if (refused) { L.setStatus(status, refused, "error"); return; }
      guard.busy++;
      label.classList.add("disabled");
      progress.hidden = false;
      bar.style.width = "0%";
      L.setStatus(status, L.t("uploadingName", { name: chosen.name }), "busy");
      L.uploadFile(L.config().imageUrl, chosen, {}, function (fraction) {
        bar.style.width = Math.round(fraction * 100) + "%";
      }).then(function (res) {
        guard.busy--;
        label.classList.remove("disabled");
        progress.hidden = true;
        if (res.ok) {
          input.value = res.data.path;
          input.dispatchEvent(new Event("input", { bubbles: true }));
          show();
          L.setStatus(status, L.t("uploadedSize", { width: res.data.width, height: res.data.height }), "ok");
        } else {
          L.setStatus(status, res.data.error, "error");
        }
      });
    });
    show();
  }

  /* --- notice attachments --------------------------------------------------------------------- */

  function enhanceAttachments(section) {
    var noticeId = section.dataset.noticeId;
    var canEdit = !!section.dataset.canEdit;
    var list = section.querySelector(".linli-attachment-list");
    var empty = section.querySelector(".linli-attachment-empty");
    if (!noticeId || !canEdit || !list) return;
    var input = section.querySelector('.linli-attachment-upload input[type="file"]');
    var queue = section.querySelector(".linli-queue");
    var base = L.config().attachmentUrl.replace(/upload\/attachment$/, "attachment/");

    function rows() { return Array.prototype.slice.call(list.querySelectorAll(".linli-attachment")); }
    function updateEmpty() { if (empty) empty.hidden = rows().length > 0; }

    function fill(row, a) {
      row.dataset.id = a.id;
      row.querySelector(".linli-kind").textContent = a.kind_label;
      var title = row.querySelector(".linli-attachment-title");
      title.value = a.title;
      title.dataset.saved = a.title;
      row.querySelector(".linli-size").textContent = a.size_label;
      row.querySelector(".linli-open").href = a.admin_url;
    }

    function saveOrder(previous) {
      var ids = rows().map(function (row) { return Number(row.dataset.id); });
      return L.postJSON(section.dataset.orderUrl, { ids: ids }).then(function (res) {
        if (!res.ok) {
          previous.forEach(function (row) { list.appendChild(row); });
          window.alert(res.data.error);
        }
      });
    }

    function saveTitle(row) {
      var title = row.querySelector(".linli-attachment-title");
      var status = row.querySelector(".linli-status");
      var value = title.value.trim();
      if (value === title.dataset.saved) return;
      if (!value) {
        L.setStatus(status, L.t("titleEmpty"), "error");
        title.value = title.dataset.saved;
        return;
      }
      L.setStatus(status, L.t("saving"), "busy");
      guard.busy++;
      L.postJSON(base + row.dataset.id + "/title", { title: value }).then(function (res) {
        guard.busy--;
        if (res.ok) {
          title.dataset.saved = res.data.title;
          if (title.value.trim() === value) title.value = res.data.title;
          L.setStatus(status, L.t("saved"), "ok");
        } else {
          L.setStatus(status, res.data.error, "error");
        }
      });
    }

    function bind(row) {
      var title = row.querySelector(".linli-attachment-title");
      if (title) {
        if (title.dataset.saved == null) title.dataset.saved = title.value;
        title.addEventListener("change", function () { saveTitle(row); });
        title.addEventListener("keydown", function (event) {
          if (event.key === "Enter") { event.preventDefault(); title.blur(); saveTitle(row); }
        });
      }
      row.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-action]");
        if (!button) return;
        var action = button.dataset.action;
        var previous = rows();
        if (action === "up" && row.previousElementSibling) {
          list.insertBefore(row, row.previousElementSibling);
          saveOrder(previous);
        } else if (action === "down" && row.nextElementSibling) {
          list.insertBefore(row.nextElementSibling, row);
          saveOrder(previous);
        } else if (action === "remove") {
          var name = title ? title.value : L.t("thisAttachment");
          if (!window.confirm(L.t("confirmRemove", { name: name }))) return;
          button.disabled = true;
          L.postJSON(base + row.dataset.id + "/delete", {}).then(function (res) {
            if (res.ok) {
              row.remove();
              updateEmpty();
              addQueueLine(L.t("removed", { title: res.data.removed.title }), "ok");
            } else {
              button.disabled = false;
              L.setStatus(row.querySelector(".linli-status"), res.data.error, "error");
            }
          });
        }
      });
    }

    function addQueueLine(text, kind) {
      var li = document.createElement("li");
      li.className = "linli-queue-item";
      var status = document.createElement("span");
      status.className = "linli-status";
      li.appendChild(status);
      L.setStatus(status, text, kind);
      queue.appendChild(li);
      return li;
    }

    function uploadOne(file) {
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
      li.appendChild(name);
      li.appendChild(progress);
      li.appendChild(status);
      queue.appendChild(li);
      var refused = L.tooBig(file, L.config().maxAttachmentBytes, "tooBigAttachment");
      if (refused) {
        progress.hidden = true;
        L.setStatus(status, refused, "error");
        return Promise.resolve();
      }
      L.setStatus(status, L.t("uploading"), "busy");
      guard.busy++;
      return L.uploadFile(L.config().attachmentUrl, file, { notice_id: noticeId }, function (fraction) {
        bar.style.width = Math.round(fraction * 100) + "%";
      }).then(function (res) {
        guard.busy--;
        progress.hidden = true;
        if (res.ok && res.data.duplicate) {
          L.setStatus(status, res.data.message, "ok");
        } else if (res.ok) {
          var row = L.fromTemplate("linli-attachment-template");
          fill(row, res.data);
          list.appendChild(row);
          bind(row);
          updateEmpty();
          L.setStatus(status, L.t("added"), "ok");
          window.setTimeout(function () { li.remove(); }, 6000);
        } else {
          L.setStatus(status, res.data.error, "error");
        }
      });
    }

    rows().forEach(bind);
    if (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = "";
        files.reduce(function (chain, file) {
          return chain.then(function () { return uploadOne(file); });
        }, Promise.resolve());
      });
    }
  }

  /* --- start ---------------------------------------------------------------------------------- */

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea.markdown-source"), function (ta) {
      enhanceMarkdown(ta);
      guard.watch(ta.form);
    });
    Array.prototype.forEach.call(document.querySelectorAll('input[data-upload="image"]'), function (input) {
      enhancePhotoField(input);
      guard.watch(input.form);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form.admin-form"), guard.watch);
    var attachments = document.getElementById("linli-attachments");
    if (attachments) enhanceAttachments(attachments);
    // The album's "管理照片" box belongs at the top of the page, above the form.
    var albumLink = document.getElementById("linli-album-link");
    var form = document.querySelector("form.admin-form");
    if (albumLink && form && form.parentNode) form.parentNode.insertBefore(albumLink, form);
    L.guardDrops();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
