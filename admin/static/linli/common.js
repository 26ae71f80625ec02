/* Linli admin: what the editor and the album manager share.
 * Plain JavaScript for the browsers staff have (recent Chrome, Edge, Firefox); no frameworks.
 * Every request carries the CSRF token in the X-CSRFToken header; every failure becomes one
 * sentence that says what to do, in the account's language: the scripts' wording comes from
 * the JSON object in <script type="application/json" id="linli-i18n">, written by
 * templates/linli_admin/_i18n.html with the admin's gettext (see t()). */
(function () {
  "use strict";

  var MB = 1024 * 1024;

  function config() {
    var el = document.getElementById("linli-config");
    var data = el ? el.dataset : {};
    return {
      csrf: data.csrf || csrfFromPage(),
      previewUrl: data.previewUrl,
      imageUrl: data.imageUrl,
      attachmentUrl: data.attachmentUrl,
      wordUrl: data.wordUrl,
      pasteUrl: data.pasteUrl,
      mediaBase: data.mediaBase || "",
      maxImageBytes: Number(data.maxImageBytes) || 40 * MB,
      maxAttachmentBytes: Number(data.maxAttachmentBytes) || 40 * MB,
      maxRequestBytes: Number(data.maxRequestBytes) || 0
    };
  }

  function csrfFromPage() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  var strings = null;

  /* The wording for `key` from #linli-i18n, "%(name)s" filled in from `vars` and "%%" made "%"
   * (the gettext placeholders of the catalogue's message); the key itself if it is missing. */
  function t(key, vars) {
    if (!strings) {
      var el = document.getElementById("linli-i18n");
      try { strings = el ? JSON.parse(el.textContent) : {}; } catch (e) { strings = {}; }
    }
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? String(strings[key]) : key;
    return text.replace(/%\((\w+)\)s|%%/g, function (all, name) {
      if (!name) return "%";
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
    });
  }

  function sizeText(bytes) {
    if (bytes >= MB) return (bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  /* A sentence for an answer that is not our JSON (network down, proxy page, server crash). */
  function failureText(status) {
    if (status === 0) return t("networkDown");
    if (status === 401 || status === 403) return t("loginLost");
    if (status === 413) return t("requestTooLarge");
    if (status === 400) return t("pageExpired");
    return t("serverError", { status: status });
  }

  function answer(status, text) {
    var data = null;
    try { data = JSON.parse(text); } catch (e) { data = null; }
    if (!data || typeof data !== "object") data = {};
    var ok = status >= 200 && status < 300 && !data.error;
    if (!ok && !data.error) data.error = failureText(status);
    return { ok: ok, status: status, data: data };
  }

  /* POST JSON; resolves (never rejects) to {ok, status, data}; data.error on failure. */
  function postJSON(url, body, options) {
    options = options || {};
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": config().csrf,
        "X-Requested-With": "XMLHttpRequest"
      },
      body: JSON.stringify(body || {}),
      signal: options.signal
    }).then(function (response) {
      return response.text().then(function (text) { return answer(response.status, text); });
    }, function (err) {
      if (err && err.name === "AbortError") return { ok: false, status: -1, aborted: true, data: {} };
      return { ok: false, status: 0, data: { error: failureText(0) } };
    });
  }

  /* Upload one file with XMLHttpRequest (fetch has no upload progress).
   * onProgress(fraction 0..1); resolves (never rejects) to {ok, status, data}. */
  function uploadFile(url, file, fields, onProgress) {
    return new Promise(function (resolve) {
      var form = new FormData();
      Object.keys(fields || {}).forEach(function (key) { form.append(key, fields[key]); });
      form.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", config().csrf);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      if (onProgress && xhr.upload) {
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) onProgress(event.loaded / event.total);
        };
      }
      xhr.onload = function () { resolve(answer(xhr.status, xhr.responseText)); };
      xhr.onerror = function () { resolve({ ok: false, status: 0, data: { error: failureText(0) } }); };
      xhr.ontimeout = xhr.onerror;
      xhr.send(form);
    });
  }

  /* A refusal before sending anything: too big for this kind of upload. `key`: the message
   * for the kind ("tooBigPhoto", "tooBigAttachment"). */
  function tooBig(file, limit, key) {
    var request = config().maxRequestBytes;
    var max = request ? Math.min(limit, request) : limit;
    if (file.size <= max) return "";
    return t(key, { name: file.name, size: sizeText(file.size), max: sizeText(max) });
  }

  /* Elements from a <template>: the first element child of its content, cloned. */
  function fromTemplate(id) {
    var template = document.getElementById(id);
    if (!template) return null;
    var content = template.content || template;
    var first = content.firstElementChild || content.querySelector("*");
    return first ? first.cloneNode(true) : null;
  }

  function setStatus(el, text, kind) {
    if (!el) return;
    el.textContent = text || "";
    el.classList.remove("is-error", "is-ok", "is-busy");
    if (kind) el.classList.add("is-" + kind);
  }

  /* Keep a stray drop of a file on the page from opening it in the browser (and losing the form). */
  function guardDrops() {
    ["dragover", "drop"].forEach(function (type) {
      window.addEventListener(type, function (event) {
        if (event.defaultPrevented) return;
        var types = event.dataTransfer && event.dataTransfer.types;
        if (types && Array.prototype.indexOf.call(types, "Files") >= 0) {
          event.preventDefault();
          if (type === "dragover") event.dataTransfer.dropEffect = "none";
        }
      });
    });
  }

  window.Linli = {
    config: config,
    t: t,
    postJSON: postJSON,
    uploadFile: uploadFile,
    tooBig: tooBig,
    sizeText: sizeText,
    fromTemplate: fromTemplate,
    setStatus: setStatus,
    guardDrops: guardDrops
  };
})();

/* 复制到微信群: a button with data-copy="<id of a textarea>" copies its text (the clipboard API
 * where the page is a secure context, else the selection), then says so (data-done). */
document.addEventListener("click", function (e) {
  var button = e.target.closest && e.target.closest("[data-copy]");
  if (!button) return;
  var text = document.getElementById(button.getAttribute("data-copy"));
  if (!text) return;
  function done() { button.textContent = button.getAttribute("data-done"); }
  function select() {
    text.focus();
    text.select();
    try { if (document.execCommand("copy")) done(); } catch (x) { /* the text stays selected */ }
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text.value).then(done, select);
  } else {
    select();
  }
});
