/* 复制到微信群: shows the copy button of a share block and copies its message (see _share.html).
   Without scripts the message stays selectable text. */
(function (d) {
  var buttons = d.querySelectorAll("[data-copy]");
  for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  d.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy]");
    if (!button) return;
    var text = d.getElementById(button.getAttribute("data-copy"));
    if (!text) return;
    function done() { button.textContent = button.getAttribute("data-done"); }
    function select() {
      text.focus();
      text.select();
      try { if (d.execCommand("copy")) done(); } catch (x) {}
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text.value).then(done, select);
    } else {
      select();
    }
  });
})(document);
