/** Settings → devices and key backup: this account's devices (approve, remove) and the encrypted key backup. */
import type { Engine } from '../../e2ee/Engine';

export function DevicesSection(props: { engine: Engine | undefined }) {
  return <section aria-label="Devices" data-engine={props.engine ? 'ready' : 'starting'} />;
}
