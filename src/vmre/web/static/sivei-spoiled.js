// Re-check a spoiled (challenged) ballot in this browser: every ciphertext must be the
// encryption of the disclosed choice with the disclosed nonce.
(function () {
  'use strict';
  var line = document.getElementById('local-check');
  if (!line || !window.VmreBallot) return;
  var base = '/api/v1/elections/' + encodeURIComponent(line.dataset.election);
  Promise.all([
    fetch(base).then(function (r) { return r.json(); }),
    fetch(base + '/spoiled/' + encodeURIComponent(line.dataset.tracking)).then(function (r) { return r.json(); })
  ]).then(function (both) {
    var election = VmreBallot.loadElection(both[0].manifest, both[0].context);
    var ok = VmreBallot.checkReveal(election, both[1].ballot, both[1].disclosure);
    line.textContent = ok ? line.dataset.tOk : line.dataset.tBad;
    line.className = ok ? 'ok' : 'error';
  }).catch(function () {
    line.textContent = line.dataset.tBad;
    line.className = 'error';
  });
})();
