// Ballot encryption in the voter's browser: the same bytes as vmre/voting/ballot.py.
//
// Every function mirrors one in the Python package (the names in the comments), so that a
// ballot made here verifies on the board and the shared test vectors
// (tests/vectors/ballot-v1.json) hold for both. Curve arithmetic is @noble/curves' ristretto255
// only; nothing here multiplies points by hand.
import { ristretto255 } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const Point = ristretto255.Point;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const G = Point.BASE;
export const IDENTITY = Point.ZERO;

export const BIT_TAG = 'vmre/proof/bit/v1';
export const SUM_TAG = 'vmre/proof/sum/v1';
export const SIGNATURE_TAG = 'vmre/ballot/v1';
export const RECEIPT_TAG = 'vmre/receipt/v1';
export const CREDENTIAL_TAG = 'vmre/credential/v1';
export const ELECTION_TAG = 'vmre/election/v1';
export const VECTOR_TAG = 'vmre/test-vector/v1';
export const VERSION = 1;
export const WRITE_IN = 'no-registrado';
export const NULL = 'nulo';

// -- group helpers (crypto/group.py) ---------------------------------------------------------

const mod = (k) => ((k % L) + L) % L;

/** k · P, with 0 and the identity handled (noble refuses the zero scalar). */
export function mul(point, scalar) {
  const k = mod(BigInt(scalar));
  if (k === 0n || point.equals(IDENTITY)) return IDENTITY;
  return point.multiply(k);
}

export const baseMul = (scalar) => mul(G, scalar);

export function scalarBytes(k) {
  let v = mod(BigInt(k));
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export const scalarHex = (k) => bytesToHex(scalarBytes(k));

function bytesToIntLE(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** A canonical scalar (< L) from 64 hex digits; anything else throws. */
export function scalarFromHex(text) {
  if (typeof text !== 'string' || !/^[0-9a-f]{64}$/.test(text)) throw new Error('bad scalar');
  const k = bytesToIntLE(hexToBytes(text));
  if (k >= L) throw new Error('scalar is not reduced');
  return k;
}

/** A point from outside: a canonical encoding (identity only where allowed). */
export function pointFromHex(text, allowIdentity = false) {
  if (typeof text !== 'string' || !/^[0-9a-f]{64}$/.test(text)) throw new Error('bad point');
  const p = Point.fromHex(text);
  if (!allowIdentity && p.equals(IDENTITY)) throw new Error('identity point not allowed here');
  return p;
}

/** A uniformly random non-zero scalar from the browser's (or node's) CSPRNG. */
export function randomScalar() {
  for (;;) {
    const raw = new Uint8Array(64);
    globalThis.crypto.getRandomValues(raw);
    const k = bytesToIntLE(raw) % L;
    if (k !== 0n) return k;
  }
}

function intBytes(v) {
  // group.py: ints in [0, L) as scalars, others as 32-byte signed little-endian
  if (v >= 0n && v < L) return scalarBytes(v);
  let x = v < 0n ? (1n << 256n) + v : v;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function encodePart(part) {
  let raw;
  if (part instanceof Point) raw = part.toBytes();
  else if (part instanceof Uint8Array) raw = part;
  else if (typeof part === 'string') raw = utf8ToBytes(part);
  else if (typeof part === 'bigint') raw = intBytes(part);
  else if (typeof part === 'number' && Number.isInteger(part)) raw = intBytes(BigInt(part));
  else throw new TypeError('cannot hash ' + typeof part);
  const out = new Uint8Array(4 + raw.length);
  new DataView(out.buffer).setUint32(0, raw.length, false);
  out.set(raw, 4);
  return out;
}

/** SHA-512 over the tag and each part, every one prefixed by its 4-byte big-endian length;
 * an array is prefixed by its 4-byte count (group.hash_parts). */
export function hashParts(tag, ...parts) {
  const h = sha512.create();
  h.update(encodePart(tag));
  for (const part of parts) {
    if (Array.isArray(part)) {
      const count = new Uint8Array(4);
      new DataView(count.buffer).setUint32(0, part.length, false);
      h.update(count);
      for (const item of part) h.update(encodePart(item));
    } else {
      h.update(encodePart(part));
    }
  }
  return h.digest();
}

export const hashToScalar = (tag, ...parts) => bytesToIntLE(hashParts(tag, ...parts)) % L;

// -- canonical JSON (crypto/encoding.py) -----------------------------------------------------

/** Sorted keys, no spaces, UTF-8, integers only: the bytes Python's canonical_json gives. */
export function canonicalJson(value) {
  return utf8ToBytes(canonicalText(value));
}

function canonicalText(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('canonical JSON holds integers only');
    return String(value);
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalText).join(',') + ']';
  if (typeof value === 'object') {
    // Python sorts by code point; keys here are ASCII, where UTF-16 order is the same
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalText(value[k])).join(',') + '}';
  }
  throw new TypeError('cannot encode ' + typeof value);
}

// -- manifest options (voting/manifest.py) ---------------------------------------------------

function combinations(items, size) {
  if (size === 0) return [[]];
  const out = [];
  items.forEach((item, i) => {
    for (const rest of combinations(items.slice(i + 1), size - 1)) out.push([item, ...rest]);
  });
  return out;
}

/** A contest's options in ballot order: parties, coalition combinations, write-in, null. */
export function contestOptions(manifest, contest) {
  const coalitions = Object.fromEntries((manifest.coalitions || []).map((c) => [c.id, c]));
  const nominating = [];
  const combos = [];
  for (const cand of contest.candidates) {
    if (cand.party) {
      nominating.push(cand.party);
    } else {
      const members = coalitions[cand.coalition].parties;
      for (let size = 2; size <= members.length; size++) {
        for (const combo of combinations(members, size)) {
          combos.push({ id: combo.join('+'), kind: 'combination', parties: combo,
            candidate: cand.id });
        }
      }
      nominating.push(...members);
    }
  }
  const candidateOf = (party) => contest.candidates.find((c) => c.party === party
    || (c.coalition && coalitions[c.coalition].parties.includes(party))).id;
  const parties = manifest.parties.filter((p) => nominating.includes(p.id))
    .map((p) => ({ id: p.id, kind: 'party', parties: [p.id], candidate: candidateOf(p.id) }));
  return [...parties, ...combos, { id: WRITE_IN, kind: 'write-in', parties: [], candidate: null },
    { id: NULL, kind: 'null', parties: [], candidate: null }];
}

export const contestsFor = (manifest, entity) => manifest.contests.filter((c) => c.entity === entity);

// -- election context (voting/context.py) ----------------------------------------------------

export const manifestHash = (document) => sha256(canonicalJson(document));

/** 32 bytes from 64 lower-case hex digits (the transcript hash of the opening ceremony). */
function canonicalHash(text) {
  if (typeof text !== 'string' || !/^[0-9a-f]{64}$/.test(text)) throw new Error('bad hash');
  return hexToBytes(text);
}

/** The context's base hash, recomputed from the manifest document and the public parameters. */
export function baseHash(manifestDocument, context) {
  return hashParts(ELECTION_TAG, manifestDocument.election_id, manifestHash(manifestDocument),
    pointFromHex(context.joint_public_key), BigInt(context.custodians),
    BigInt(context.threshold), canonicalHash(context.transcript_hash)).slice(0, 32);
}

/** What encryption needs, checked: a base hash that does not match the manifest is refused. */
export function loadElection(manifestDocument, context) {
  const base = baseHash(manifestDocument, context);
  if (bytesToHex(base) !== context.base_hash || manifestDocument.election_id !== context.election_id) {
    throw new Error('the election context does not match its manifest');
  }
  return { manifest: manifestDocument, electionId: context.election_id, baseHash: base,
    jointKey: pointFromHex(context.joint_public_key) };
}

// -- credentials (crypto/credentials.py) -----------------------------------------------------

export function normaliseCredential(secret) {
  const map = { O: '0', I: '1', L: '1' };
  return secret.trim().toUpperCase().replaceAll('-', '').replaceAll(' ', '')
    .replace(/[OIL]/g, (ch) => map[ch]);
}

const CREDENTIAL_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function credentialIsWellFormed(secret) {
  const code = normaliseCredential(secret);
  return code.length === 25 && [...code].every((ch) => CREDENTIAL_ALPHABET.includes(ch));
}

export const signingKey = (electionId, secret) =>
  hashToScalar(CREDENTIAL_TAG, electionId, normaliseCredential(secret));

// -- ElGamal and proofs (crypto/elgamal.py, crypto/proofs.py, crypto/schnorr.py) -------------

export const encrypt = (pk, m, r) => ({ alpha: baseMul(r), beta: baseMul(m).add(mul(pk, r)) });

function bitCommitments(pk, ct, j, c, s) {
  const shifted = j ? ct.beta.subtract(G) : ct.beta;
  return [baseMul(s).subtract(mul(ct.alpha, c)), mul(pk, s).subtract(mul(shifted, c))];
}

export function proveBit(pk, ct, m, r, context, [w, cFake, sFake]) {
  const [aFake, bFake] = bitCommitments(pk, ct, 1 - m, cFake, sFake);
  const aReal = baseMul(w);
  const bReal = mul(pk, w);
  const [a0, b0, a1, b1] = m === 0 ? [aReal, bReal, aFake, bFake] : [aFake, bFake, aReal, bReal];
  const c = hashToScalar(BIT_TAG, ...context, pk, ct.alpha, ct.beta, a0, b0, a1, b1);
  const cReal = mod(c - cFake);
  const sReal = mod(w + cReal * r);
  return m === 0 ? [cReal, cFake, sReal, sFake] : [cFake, cReal, sFake, sReal];
}

/** A reduced scalar (a bigint in [0, L)): c + L or s + L would pass the equations. */
const reduced = (...scalars) => scalars.every((k) => typeof k === 'bigint' && k >= 0n && k < L);

export function verifyBit(pk, ct, [c0, c1, s0, s1], context) {
  if (!reduced(c0, c1, s0, s1)) return false;
  const [a0, b0] = bitCommitments(pk, ct, 0, c0, s0);
  const [a1, b1] = bitCommitments(pk, ct, 1, c1, s1);
  const c = hashToScalar(BIT_TAG, ...context, pk, ct.alpha, ct.beta, a0, b0, a1, b1);
  return mod(c0 + c1) === c;
}

export function proveEqualLogs(tag, h, u, v, secret, context, w) {
  const c = hashToScalar(tag, ...context, h, u, v, baseMul(w), mul(h, w));
  return [c, mod(w + c * secret)];
}

export function verifyEqualLogs(tag, h, u, v, [c, s], context) {
  if (!reduced(c, s)) return false;
  const a = baseMul(s).subtract(mul(u, c));
  const b = mul(h, s).subtract(mul(v, c));
  return hashToScalar(tag, ...context, h, u, v, a, b) === c;
}

export function schnorrSign(tag, secret, pub, message, context, k) {
  const c = hashToScalar(tag, ...context, pub, baseMul(k), message);
  return [c, mod(k + c * secret)];
}

export function schnorrVerify(tag, pub, message, [c, s], context) {
  // the identity as key: s·G = R holds for any (R, s), so anyone could sign for it
  if (!reduced(c, s) || pub.equals(IDENTITY)) return false;
  const commitment = baseMul(s).subtract(mul(pub, c));
  return hashToScalar(tag, ...context, pub, commitment, message) === c;
}

// -- the ballot (voting/ballot.py) -----------------------------------------------------------

/** Reproducible nonces for the shared test vectors only (ballot.deterministic_nonces). */
export function deterministicNonces(seed) {
  let counter = 0n;
  return () => hashToScalar(VECTOR_TAG, seed, counter++);
}

function encryptContest(election, credential, contest, choice, nonce) {
  const pk = election.jointKey;
  const options = contestOptions(election.manifest, contest);
  const choices = [];
  const randomness = [];
  let totalAlpha = IDENTITY;
  let totalBeta = IDENTITY;
  options.forEach((_, k) => {
    const m = k === choice ? 1 : 0;
    const r = nonce();
    const ct = encrypt(pk, m, r);
    const proof = proveBit(pk, ct, m, r, [election.baseHash, credential, contest.id, k],
      [nonce(), nonce(), nonce()]);
    randomness.push(r);
    totalAlpha = totalAlpha.add(ct.alpha);
    totalBeta = totalBeta.add(ct.beta);
    choices.push({ alpha: ct.alpha.toHex(), beta: ct.beta.toHex(), proof: proof.map(scalarHex) });
  });
  const totalR = randomness.reduce((a, b) => mod(a + b), 0n);
  const sp = proveEqualLogs(SUM_TAG, pk, totalAlpha, totalBeta.subtract(G), totalR,
    [election.baseHash, credential, contest.id], nonce());
  return [{ id: contest.id, choices, sum_proof: sp.map(scalarHex) }, randomness];
}

/** The signed ballot of a voter of `entity` and its randomness per contest (encrypt_ballot).
 * `selections` maps every contest id of the entity to the chosen option id. */
export function encryptBallot(election, entity, key, selections, nonce = randomScalar) {
  const credential = baseMul(key);
  const contests = contestsFor(election.manifest, entity);
  const wanted = contests.map((c) => c.id).sort();
  if (JSON.stringify(Object.keys(selections).sort()) !== JSON.stringify(wanted)) {
    throw new Error('wrong_contests');
  }
  const body = { version: VERSION, election_id: election.electionId,
    base_hash: bytesToHex(election.baseHash), credential: credential.toHex(), contests: [] };
  const randomness = {};
  for (const contest of contests) {
    const index = contestOptions(election.manifest, contest).findIndex(
      (o) => o.id === selections[contest.id]);
    if (index < 0) throw new Error('unknown option ' + selections[contest.id]);
    const [encrypted, rs] = encryptContest(election, credential, contest, index, nonce);
    body.contests.push(encrypted);
    randomness[contest.id] = rs;
  }
  const sig = schnorrSign(SIGNATURE_TAG, key, credential, canonicalJson(body),
    [election.baseHash], nonce());
  return { ballot: { ...body, signature: sig.map(scalarHex) }, randomness };
}

export const trackingCode = (ballot) => bytesToHex(sha256(canonicalJson(ballot)));

/** What a Benaloh challenge discloses: the choices and every encryption nonce (reveal). */
export function reveal(ballot, selections, randomness) {
  const nonces = {};
  for (const [cid, rs] of Object.entries(randomness)) nonces[cid] = rs.map(scalarHex);
  return { tracking_code: trackingCode(ballot), selections: { ...selections }, nonces };
}

/** Every proof and the signature of a ballot of `entity` (verify_ballot); throws on failure. */
export function verifyBallot(election, ballot, entity) {
  const { signature, ...body } = ballot;
  if (ballot.election_id !== election.electionId
      || ballot.base_hash !== bytesToHex(election.baseHash)) throw new Error('wrong_election');
  const credential = pointFromHex(ballot.credential);
  const contests = contestsFor(election.manifest, entity);
  if (JSON.stringify(ballot.contests.map((c) => c.id)) !== JSON.stringify(contests.map((c) => c.id))) {
    throw new Error('wrong_contests');
  }
  if (!schnorrVerify(SIGNATURE_TAG, credential, canonicalJson(body),
    signature.map(scalarFromHex), [election.baseHash])) throw new Error('bad_signature');
  const pk = election.jointKey;
  contests.forEach((contest, i) => {
    const encrypted = ballot.contests[i];
    if (encrypted.choices.length !== contestOptions(election.manifest, contest).length) {
      throw new Error('wrong_option_count');
    }
    let alpha = IDENTITY;
    let beta = IDENTITY;
    encrypted.choices.forEach((choice, k) => {
      const ct = { alpha: pointFromHex(choice.alpha), beta: pointFromHex(choice.beta) };
      if (!verifyBit(pk, ct, choice.proof.map(scalarFromHex),
        [election.baseHash, credential, contest.id, k])) throw new Error('bad_option_proof');
      alpha = alpha.add(ct.alpha);
      beta = beta.add(ct.beta);
    });
    if (!verifyEqualLogs(SUM_TAG, pk, alpha, beta.subtract(G),
      encrypted.sum_proof.map(scalarFromHex), [election.baseHash, credential, contest.id])) {
      throw new Error('bad_sum_proof');
    }
  });
  return true;
}

/** Check a disclosure against its ballot: every ciphertext is Enc(choice; nonce). */
export function checkReveal(election, ballot, disclosed) {
  if (disclosed.tracking_code !== trackingCode(ballot)) return false;
  for (const encrypted of ballot.contests) {
    const contest = election.manifest.contests.find((c) => c.id === encrypted.id);
    const options = contestOptions(election.manifest, contest);
    const choice = options.findIndex((o) => o.id === disclosed.selections[encrypted.id]);
    const nonces = disclosed.nonces[encrypted.id] || [];
    if (choice < 0 || nonces.length !== encrypted.choices.length) return false;
    for (let k = 0; k < nonces.length; k++) {
      const ct = encrypt(election.jointKey, k === choice ? 1 : 0, scalarFromHex(nonces[k]));
      if (ct.alpha.toHex() !== encrypted.choices[k].alpha
          || ct.beta.toHex() !== encrypted.choices[k].beta) return false;
    }
  }
  return true;
}

// -- receipts (voting/board.py) --------------------------------------------------------------

/** The server's signature on a receipt, under the election's published receipt key. */
export function verifyReceipt(receipt, serverKeyHex) {
  try {
    const { signature, ...message } = receipt;
    return schnorrVerify(RECEIPT_TAG, pointFromHex(serverKeyHex), canonicalJson(message),
      signature.map(scalarFromHex), []);
  } catch {
    return false;
  }
}

export { bytesToHex, hexToBytes };
