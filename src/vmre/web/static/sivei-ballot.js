// The voter's ballot: one step per contest, the review, then encryption in this browser with
// VmreBallot (vmre-ballot.js). Only encrypted, signed ballots leave the page; the credential
// code and the signing key never do. A challenged ballot (Benaloh) is spoiled and disclosed,
// and the next one is encrypted afresh.
(function () {
  'use strict';
  var app = document.getElementById('ballot-app');
  if (!app) return;
  var T = app.dataset;
  var electionId = T.election;
  var entity = T.entity;
  var steps = Array.prototype.slice.call(app.querySelectorAll('section.step'));
  var statusLine = document.getElementById('ballot-status');
  var info = null; // public election data from /api/v1
  var current = 0;
  var busy = false;
  // A cast that got no answer (the connection dropped, the server restarted) may have been
  // received. The next press of "cast" sends that very ballot again, so that its receipt comes
  // back (200) rather than a fresh encryption being refused as a second vote; only while the
  // credential code and the selections are the ones it was made from.
  var unanswered = null;

  function fmt(template, params) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return params[k] !== undefined ? params[k] : ''; });
  }

  function show(index) {
    steps.forEach(function (s, i) { s.hidden = i !== index; });
    current = index;
    var heading = steps[index].querySelector('h2');
    if (heading) heading.focus();
  }

  function contestInfo(id) {
    return info.contests.filter(function (c) { return c.id === id; })[0];
  }

  function partyName(id) {
    return info.manifest.parties.filter(function (p) { return p.id === id; })[0].name;
  }

  // The option the marks on one contest stand for, or an explanation of why they are invalid.
  function selection(section) {
    var marked = Array.prototype.slice.call(section.querySelectorAll('input[type=checkbox]:checked'));
    var kinds = marked.map(function (m) { return m.dataset.kind; });
    var parties = marked.filter(function (m) { return m.dataset.kind === 'party'; })
      .map(function (m) { return m.value; });
    if (!marked.length) return { error: T.tNone };
    if (kinds.indexOf('null') >= 0) return marked.length === 1 ? { option: 'nulo' } : { error: T.tNullMix };
    if (kinds.indexOf('write-in') >= 0) {
      return marked.length === 1 ? { option: 'no-registrado' } : { error: T.tWriteinMix };
    }
    if (parties.length === 1) return { option: parties[0] };
    var wanted = parties.slice().sort().join(',');
    var options = contestInfo(section.dataset.contest).options;
    for (var i = 0; i < options.length; i++) {
      if (options[i].kind === 'combination' && options[i].parties.slice().sort().join(',') === wanted) {
        return { option: options[i].id };
      }
    }
    return { error: fmt(T.tMix, { parties: parties.map(partyName).join(', ') }) };
  }

  function label(contestId, optionId) {
    if (optionId === 'nulo') return T.tNull;
    if (optionId === 'no-registrado') return T.tWriteIn;
    var option = contestInfo(contestId).options.filter(function (o) { return o.id === optionId; })[0];
    return option.parties.map(partyName).join(' + ');
  }

  function selections() {
    var out = {};
    steps.forEach(function (s) {
      if (s.dataset.contest) out[s.dataset.contest] = selection(s).option;
    });
    return out;
  }

  function checkContest(section) {
    var result = selection(section);
    var box = section.querySelector('.contest-error');
    box.hidden = !result.error;
    box.textContent = result.error || '';
    return !result.error;
  }

  function fillReview() {
    var list = document.getElementById('review-list');
    list.textContent = '';
    var chosen = selections();
    steps.forEach(function (s) {
      if (!s.dataset.contest) return;
      var dt = document.createElement('dt');
      dt.textContent = s.querySelector('legend').textContent;
      var dd = document.createElement('dd');
      dd.textContent = label(s.dataset.contest, chosen[s.dataset.contest]);
      var name = s.querySelector('.write-name');
      if (chosen[s.dataset.contest] === 'no-registrado' && name && name.value.trim()) {
        dd.textContent += ' (' + name.value.trim() + ')'; // shown here only; never sent
      }
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }

  function reviewError(message) {
    var box = document.getElementById('review-error');
    box.hidden = !message;
    box.textContent = message || '';
    if (message) statusLine.textContent = '';
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': T.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  // Encrypt the reviewed selections with fresh randomness, after checking the credential code.
  function encryptNow() {
    var code = document.getElementById('credential').value;
    if (!VmreBallot.credentialIsWellFormed(code)) return Promise.reject(new Error(T.tCredential));
    var election = VmreBallot.loadElection(info.manifest, info.context);
    var key = VmreBallot.signingKey(election.electionId, code);
    var credential = VmreBallot.baseMul(key).toHex();
    return fetch('/api/v1/elections/' + encodeURIComponent(electionId) + '/credentials/' + credential,
      { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (e) {
      if (!e.eligible) throw new Error(T.tNotEligible);
      var chosen = selections();
      var made = VmreBallot.encryptBallot(election, entity, key, chosen);
      return { election: election, ballot: made.ballot, chosen: chosen, code: code,
        disclosure: VmreBallot.reveal(made.ballot, chosen, made.randomness) };
    });
  }

  function run(action, prepare) {
    if (busy) return;
    busy = true;
    reviewError('');
    statusLine.textContent = T.tEncrypting;
    // let the status line paint before the (short) computation
    window.setTimeout(function () {
      Promise.resolve().then(prepare || encryptNow).then(action).catch(function (err) {
        reviewError(err && err.message ? err.message : T.tNetwork);
      }).then(function () { busy = false; });
    }, 30);
  }

  function challenge() {
    run(function (made) {
      statusLine.textContent = T.tSending;
      return post('/voto/auditar', { ballot: made.ballot, disclosure: made.disclosure }).then(function (res) {
        if (res.status !== 201) throw new Error(res.data.message || T.tNetwork);
        var ok = VmreBallot.checkReveal(made.election, made.ballot, made.disclosure);
        statusLine.textContent = '';
        document.getElementById('challenge-result').hidden = false;
        document.getElementById('challenge-text').textContent = fmt(T.tChallenged,
          { code: res.data.tracking_code }) + ' ' + (ok ? T.tLocalOk : T.tLocalBad);
        var link = document.getElementById('challenge-link');
        link.href = res.data.url;
        link.focus(); // keyboard and screen-reader users land on the result
      });
    });
  }

  function sameAsUnanswered() {
    return unanswered !== null && unanswered.code === document.getElementById('credential').value &&
      JSON.stringify(unanswered.chosen) === JSON.stringify(selections());
  }

  function cast() {
    var again = sameAsUnanswered() ? unanswered : null;
    run(function (made) {
      statusLine.textContent = T.tSending;
      unanswered = null;
      return post('/voto/emitir', { ballot: made.ballot }).then(function (res) {
        if (res.status >= 500) { // an answer, but not the server's decision: may be received
          unanswered = made;
          throw new Error(T.tNoAnswer);
        }
        // 200: this very ballot was already received (an earlier answer was lost)
        if (res.status !== 201 && res.status !== 200) throw new Error(res.data.message || T.tNetwork);
        try { window.sessionStorage.removeItem('vmre-credential'); } catch (e) { /* ignore */ }
        window.location.assign('/voto/recibo');
      }, function () { // no answer at all: the ballot may be on the board
        unanswered = made;
        throw new Error(T.tNoAnswer);
      });
    }, again ? function () { return again; } : null);
  }

  steps.forEach(function (section, index) {
    var next = section.querySelector('button.next');
    var prev = section.querySelector('button.prev');
    if (next) {
      next.addEventListener('click', function () {
        if (!checkContest(section)) return;
        if (index + 1 === steps.length - 1) fillReview();
        show(index + 1);
      });
    }
    if (prev) prev.addEventListener('click', function () { show(index - 1); });
    section.addEventListener('change', function () {
      var box = section.querySelector('.contest-error'); // the review step has none
      if (box && !box.hidden) checkContest(section);
    });
  });
  document.getElementById('challenge').addEventListener('click', challenge);
  document.getElementById('cast').addEventListener('click', cast);

  try {
    var kept = window.sessionStorage.getItem('vmre-credential');
    if (kept) document.getElementById('credential').value = kept;
  } catch (e) { /* storage disabled */ }

  fetch('/api/v1/elections/' + encodeURIComponent(electionId), { credentials: 'same-origin' })
    .then(function (r) { return r.json(); })
    .then(function (data) { info = data; app.dataset.ready = '1'; })
    .catch(function () { statusLine.textContent = T.tNetwork; });
})();
