/**
 * Logs (issue #19 item 5): one JSON line per event on standard output, `{"t", "level",
 * "event", …fields}`, at or above LOG_LEVEL (error, warn, info, debug; default info).
 *
 * What may go in: the event's name, error messages of our own making, route patterns, status
 * codes, durations, counts and ids. What never does: message content (the server has only
 * ciphertext, and logs none of it), request or response bodies, query strings, paths that can
 * hold a secret (a webhook URL, an invite code: requests are logged by route pattern), tokens,
 * passwords, recovery codes or verifiers. tests/selfhost/logs.test.ts greps a server's whole
 * output for every secret and canary it used.
 */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;

let threshold: number = LEVELS.info;

/** Takes LOG_LEVEL from the environment (the worker and each Durable Object call this as they start). */
export function configureLog(level: string | undefined): void {
  if (level && level in LEVELS) threshold = LEVELS[level as LogLevel];
}

export type LogFields = Record<string, string | number | boolean | null | undefined>;

function write(level: LogLevel, event: string, fields: LogFields): void {
  if (LEVELS[level] > threshold) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

/** An error's message without its stack (stacks can quote source lines, never data; still, keep lines short). */
export const reason = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 500);

export const log = {
  error: (event: string, fields: LogFields = {}) => write('error', event, fields),
  warn: (event: string, fields: LogFields = {}) => write('warn', event, fields),
  info: (event: string, fields: LogFields = {}) => write('info', event, fields),
  debug: (event: string, fields: LogFields = {}) => write('debug', event, fields),
};
