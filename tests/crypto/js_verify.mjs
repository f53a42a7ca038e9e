// Feeds statements and proofs from the Python tests to the browser library's verifiers:
// node tests/crypto/js_verify.mjs < cases.json prints one verdict per case (true: accepted).
// A verifier that throws refuses.
import { readFileSync } from 'node:fs';

import * as B from '../../js/src/ballot.js';

const point = (hex) => B.pointFromHex(hex, true);
const part = (p) => ('b' in p ? B.hexToBytes(p.b) : 'p' in p ? point(p.p) : 's' in p ? p.s : p.i);
const context = (items) => items.map(part);
const scalars = (list) => list.map((x) => BigInt(x));

const VERIFY = {
  schnorr: (c) => B.schnorrVerify(c.tag, point(c.pub), B.hexToBytes(c.message), scalars(c.sig),
    context(c.context)),
  bit: (c) => B.verifyBit(point(c.pk), { alpha: point(c.alpha), beta: point(c.beta) },
    scalars(c.proof), context(c.context)),
  equal_logs: (c) => B.verifyEqualLogs(c.tag, point(c.h), point(c.u), point(c.v),
    scalars(c.proof), context(c.context)),
  point: (c) => B.pointFromHex(c.hex) !== undefined,
  receipt: (c) => B.verifyReceipt(c.receipt, c.key),
};

const cases = JSON.parse(readFileSync(0, 'utf8'));
const verdicts = cases.map((c) => {
  try {
    return VERIFY[c.kind](c) === true;
  } catch {
    return false;
  }
});
process.stdout.write(JSON.stringify(verdicts));
