/** The path of the workerd binary that the `workerd` npm package installed for this platform. */
import { createRequire } from 'node:module';

export const workerdPath = createRequire(import.meta.url)('workerd').default;
