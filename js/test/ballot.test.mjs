// The browser's ballot code against the shared vectors written by tests/vectors/make_vectors.py:
// identical bytes for fixed nonces, and ballots with fresh randomness that verify.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as B from '../src/ballot.js';

const vectors = JSON.parse(readFileSync(
  fileURLToPath(new URL('../../tests/vectors/ballot-v1.json', import.meta.url)), 'utf8'));
const election = () => B.loadElection(vectors.manifest, vectors.context);
const decoder = new TextDecoder();

test('manifest hash, base hash and options match Python', () => {
  assert.equal(B.bytesToHex(B.manifestHash(vectors.manifest)), vectors.context.manifest_hash);
  assert.equal(B.bytesToHex(B.baseHash(vectors.manifest, vectors.context)),
    vectors.context.base_hash);
  for (const contest of vectors.manifest.contests) {
    assert.deepEqual(B.contestOptions(vectors.manifest, contest).map((o) => o.id),
      vectors.options[contest.id]);
  }
});

test('a context whose base hash does not match its manifest is refused', () => {
  const forged = { ...vectors.context, threshold: vectors.context.threshold + 1 };
  assert.throws(() => B.loadElection(vectors.manifest, forged), /does not match/);
});

test('primitives: hash_parts and deterministic nonces', () => {
  for (const v of vectors.primitives.hash_parts) {
    const parts = v.parts.map((p) => (p && p.bytes !== undefined ? B.hexToBytes(p.bytes) : p));
    assert.equal(B.bytesToHex(B.hashParts(v.tag, ...parts)), v.sha512);
  }
  const { seed, first } = vectors.primitives.deterministic_nonces;
  const nonce = B.deterministicNonces(seed);
  assert.deepEqual(first.map(() => B.scalarHex(nonce())), first);
});

for (const c of vectors.cases) {
  test(`vector ${c.name}: same key, same bytes, same tracking code, same reveal`, () => {
    const e = election();
    const key = B.signingKey(e.electionId, c.credential_secret);
    assert.equal(B.scalarHex(key), c.signing_key);
    assert.equal(B.baseMul(key).toHex(), c.credential);
    const { ballot, randomness } = B.encryptBallot(e, c.entity, key, c.selections,
      B.deterministicNonces(c.seed));
    assert.equal(decoder.decode(B.canonicalJson(ballot)), c.ballot_canonical_json);
    assert.deepEqual(ballot, c.ballot);
    assert.equal(B.trackingCode(ballot), c.tracking_code);
    assert.deepEqual(B.reveal(ballot, c.selections, randomness), c.reveal);
    assert.ok(B.verifyBallot(e, c.ballot, c.entity));
    assert.ok(B.checkReveal(e, c.ballot, c.reveal));
  });
}

test('a ballot with fresh randomness verifies, and differs from the vector', () => {
  const e = election();
  const c = vectors.cases[0];
  const key = B.signingKey(e.electionId, c.credential_secret);
  const { ballot, randomness } = B.encryptBallot(e, c.entity, key, c.selections);
  assert.notEqual(B.trackingCode(ballot), c.tracking_code);
  assert.ok(B.verifyBallot(e, ballot, c.entity));
  const disclosed = B.reveal(ballot, c.selections, randomness);
  assert.ok(B.checkReveal(e, ballot, disclosed));
  // the same nonces with another choice do not pass: the reveal binds the selection
  assert.equal(B.checkReveal(e, ballot, { ...disclosed,
    selections: { ...c.selections, 'gob-jal': 'mc' } }), false);
});

test('tampering is caught: a changed ciphertext, a foreign signature', () => {
  const e = election();
  const c = vectors.cases[0];
  const copy = structuredClone(c.ballot);
  [copy.contests[0].choices[0].beta, copy.contests[0].choices[1].beta] =
    [copy.contests[0].choices[1].beta, copy.contests[0].choices[0].beta];
  assert.throws(() => B.verifyBallot(e, copy, c.entity), /bad_signature/);
  const other = B.signingKey(e.electionId, vectors.cases[1].credential_secret);
  const resigned = structuredClone(c.ballot);
  delete resigned.signature;
  resigned.credential = B.baseMul(other).toHex();
  const sig = B.schnorrSign(B.SIGNATURE_TAG, other, B.baseMul(other), B.canonicalJson(resigned),
    [e.baseHash], B.randomScalar());
  resigned.signature = sig.map(B.scalarHex);
  // the proofs hash the original voter's credential: copying them into another ballot fails
  assert.throws(() => B.verifyBallot(e, resigned, c.entity), /bad_option_proof/);
});

test('credential codes are normalised as in Python', () => {
  assert.equal(B.normaliseCredential(' ab1cd-ef2gh jk3mn-pq4rs-tv5wx '),
    'AB1CDEF2GHJK3MNPQ4RSTV5WX');
  assert.equal(B.normaliseCredential('OIL'), '011');
  assert.ok(B.credentialIsWellFormed('7K2QM-9TX4B-HC3VN-8PW6R-ZD5FA'));
  assert.ok(!B.credentialIsWellFormed('7K2QM-9TX4B-HC3VN-8PW6R-ZD5F'));
});
