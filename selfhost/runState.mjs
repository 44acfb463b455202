/**
 * What a running `npm start` leaves for the operator's tools: DATA_DIR/run/server.json names the
 * server's workerd process while it runs (selfhost/start.mjs writes it and removes it at exit).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The running server's workerd process id, or null when none runs on this DATA_DIR. */
export function runningServer(dataDir) {
  const file = join(dataDir, 'run', 'server.json');
  if (!existsSync(file)) return null;
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}
