/**
 * A certificate for the TLS tests (issue #19 item 8): a P-256 key and a self-signed certificate for
 * chatalot.test, localhost and 127.0.0.1, made with the machine's openssl into a temporary folder,
 * and the SHA-256 of its public key (SPKI) that Chromium is told to trust.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeCertificate(): { certPath: string; keyPath: string; cert: string; spkiSha256: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chatalot-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=chatalot.test', '-addext', 'subjectAltName=DNS:chatalot.test,DNS:localhost,IP:127.0.0.1', '-days', '2'], { stdio: 'ignore' });
  const cert = readFileSync(certPath, 'utf8');
  const spki = createPublicKey(cert).export({ type: 'spki', format: 'der' });
  return { certPath, keyPath, cert, spkiSha256: createHash('sha256').update(spki).digest('base64') };
}
