/**
 * workerd's V8 inspector, for the benches' server profiles. `npm start` opens it on a loopback
 * address when CHATALOT_INSPECTOR is set (a diagnostic switch, off by default).
 */
import WebSocket from './ws.mjs';

/** A minimal CDP client over workerd's inspector socket at `address` (host:port). */
export async function inspector(address) {
  const ws = new WebSocket(`ws://${address}/chatalot`);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let next = 1;
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.id && waiting.has(m.id)) (waiting.get(m.id)(m.result), waiting.delete(m.id));
  });
  return {
    send: (method, params = {}) => new Promise((resolve) => (waiting.set(next, resolve), ws.send(JSON.stringify({ id: next++, method, params })))),
    close: () => ws.close(),
  };
}

/** Self time per function of a V8 CPU profile, the top `n` lines. */
export function topSelf(profile, n = 25) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${v.toFixed(0).padStart(6)} ms ${k}`).join('\n');
}
