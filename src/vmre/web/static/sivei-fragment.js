// The activation link carries the voting credential in its fragment (#credencial=...), which
// the browser never sends to the server. Keep it for this tab only, then drop it from the URL.
(function () {
  'use strict';
  var match = /(?:^#|&)credencial=([0-9A-Za-z-]+)/.exec(window.location.hash);
  if (!match) return;
  try {
    window.sessionStorage.setItem('vmre-credential', match[1]);
    var note = document.getElementById('credential-kept');
    if (note) note.hidden = false;
  } catch (e) { /* storage disabled: the voter types the code from the e-mail instead */ }
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
})();
