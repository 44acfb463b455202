/**
 * Picks the asymmetric provider for this platform: WebCrypto when it has X25519 and Ed25519,
 * otherwise noble. It deliberately decides once, at start-up; the protocol never mixes providers
 * inside an operation, and the choice does not change any serialized byte.
 */
import type { CryptoProvider } from './CryptoProvider';
import { NobleProvider } from './NobleProvider';
import { WebCryptoProvider, webCryptoAvailable } from './WebCryptoProvider';

/** Returns a WebCrypto-backed provider when the platform supports it, else the noble one. */
export async function selectProvider(): Promise<CryptoProvider> {
  return (await webCryptoAvailable()) ? new WebCryptoProvider() : new NobleProvider();
}
