/**
 * Regenerates tests/vectors/protocol_kat.json. Skipped unless UPDATE_VECTORS=1:
 *   UPDATE_VECTORS=1 npx vitest run --config client/src/crypto/vitest.config.ts tests/vectors/generate.test.ts
 * Regenerating is a protocol change: review the diff and bump the format version if old data breaks.
 */
import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeProtocolVectors } from './protocolVectors';
import { repoRoot } from './sharedVectors';

it.skipIf(process.env['UPDATE_VECTORS'] !== '1')('writes protocol_kat.json', async () => {
  const doc = await computeProtocolVectors();
  writeFileSync(path.join(repoRoot, 'tests', 'vectors', 'protocol_kat.json'), JSON.stringify(doc, null, 1) + '\n');
});
