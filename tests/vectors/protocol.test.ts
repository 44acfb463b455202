/**
 * P14: the library reproduces the frozen protocol known-answer vectors exactly, and the frozen
 * Double Ratchet and sender-key ciphertexts still open with the recorded keys (AEAD layout check).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeProtocolVectors } from './protocolVectors';
import { repoRoot, hex } from './sharedVectors';
import { aeadOpen } from '../../client/src/crypto/primitives';
import { framed, utf8, toHex } from '../../client/src/crypto/encoding';

const frozen = JSON.parse(readFileSync(path.join(repoRoot, 'tests', 'vectors', 'protocol_kat.json'), 'utf8')) as Record<string, unknown>;

describe('P14: protocol known-answer vectors', () => {
  it('recomputing from the fixed seed gives exactly the frozen vectors', async () => {
    expect(await computeProtocolVectors()).toEqual(frozen);
  });

  it('each frozen ratchet message opens with its recorded key and nonce under AD = framed(session AD, context, header)', () => {
    const pq = frozen['pqxdh'] as { ad: string };
    const dr = frozen['doubleRatchet'] as { context: string; transcript: Array<{ messageKey: string; nonce: string; header: string; message: string; plaintext: string }> };
    expect(dr.transcript.length).toBe(7);
    const ratchetKeys = new Set(dr.transcript.map((t) => t.header.slice(4, 68)));
    expect(ratchetKeys.size).toBe(4);
    for (const t of dr.transcript) {
      const msg = hex(t.message);
      const ad = framed(hex(pq.ad), utf8(dr.context), msg.slice(0, 42));
      expect(Buffer.from(aeadOpen(hex(t.messageKey), hex(t.nonce), msg.slice(42), ad)).toString()).toBe(t.plaintext);
    }
  });

  it('the PQ and classical agreements use distinct labels and give distinct keys', () => {
    const pq = frozen['pqxdh'] as { sk: string; info: string; dh4: string | null };
    const x = frozen['x3dh'] as { sk: string; info: string };
    const noOpk = frozen['pqxdhWithoutOneTimePreKey'] as { dh4: string | null };
    expect(pq.info).not.toBe(x.info);
    expect(pq.sk).not.toBe(x.sk);
    expect(pq.dh4).not.toBeNull();
    expect(noOpk.dh4).toBeNull();
    expect(toHex(utf8(pq.info))).toMatch(/^[0-9a-f]+$/);
  });
});
