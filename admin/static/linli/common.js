/* Linli admin: what the editor and the album manager share.
 * Plain JavaScript for the browsers staff have (recent Chrome, Edge, Firefox); no frameworks.
 * Every request carries the CSRF token in the X-CSRFToken header; every failure becomes one
 * Chinese sentence that says what to do. */
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

  function sizeText(bytes) {
    if (bytes >= MB) return (bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  /* A sentence for an answer that is not our JSON (network down, proxy page, server crash). */
  function failureText(status) {
    if (status === 0) return "网络连接中断，本次操作没有完成。请检查网络后再试；本页已填写的内容不会丢失。";
    if (status === 401 || status === 403) return "您的登录已过期或没有权限，本次操作没有执行。请在新的浏览器标签页重新登录后再试；本页内容不会丢失。";
    if (status === 413) return "文件太大了，超过了网站一次能接收的大小，本次没有上传。请先把文件缩小或压缩后再上传。";
    if (status === 400) return "页面已过期，本次操作没有执行。请先把没保存的文字复制下来，再刷新页面后重试。";
    return "服务器出错（代码 " + status + "），本次操作没有完成。请稍后再试；如果一直不行，请联系网站管理员。";
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

  /* A refusal before sending anything: too big for this kind of upload. */
  function tooBig(file, limit, what) {
    var request = config().maxRequestBytes;
    var max = request ? Math.min(limit, request) : limit;
    if (file.size <= max) return "";
    return "“" + file.name + "”太大了（" + sizeText(file.size) + "，" + what + "最多 " + sizeText(max) +
      "），没有上传。请先缩小或压缩后再上传。";
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
    postJSON: postJSON,
    uploadFile: uploadFile,
    tooBig: tooBig,
    sizeText: sizeText,
    fromTemplate: fromTemplate,
    setStatus: setStatus,
    guardDrops: guardDrops
  };
})();
