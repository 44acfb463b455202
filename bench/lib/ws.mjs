/**
 * The repository's own `ws` for the benches: `npm install --prefix bench` puts an older `ws`
 * (lighthouse's, 7.x, without the `WebSocketServer` export) in bench/node_modules, where a plain
 * `import 'ws'` from bench/ would find it first and the baseline server would not start.
 */
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const ws = require('ws');

export default ws;
export const WebSocketServer = ws.WebSocketServer;
