// Prints a ballot made with fresh randomness for one vector case, with its reveal, so that
// the Python test can verify a browser-made ballot: node tools/random-ballot.mjs VECTORS INDEX
import { readFileSync } from 'node:fs';

import * as B from '../src/ballot.js';

const [file, index] = process.argv.slice(2);
const vectors = JSON.parse(readFileSync(file, 'utf8'));
const c = vectors.cases[Number(index)];
const election = B.loadElection(vectors.manifest, vectors.context);
const key = B.signingKey(election.electionId, c.credential_secret);
const { ballot, randomness } = B.encryptBallot(election, c.entity, key, c.selections);
process.stdout.write(JSON.stringify({ ballot, reveal: B.reveal(ballot, c.selections, randomness) }));
