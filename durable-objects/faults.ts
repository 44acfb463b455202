/**
 * Test-only fault injection for SECURITY-TESTS R4 (a storage write fails). Inert unless the
 * server runs with CHATALOT_TEST_FAULTS, which only the test suite sets and the configuration
 * table does not offer. `log-commit:<prefix>` makes the first commit of each envelope whose
 * clientMsgId starts with <prefix> throw, as a full or failing disk would; the next attempt with
 * the same clientMsgId goes through, so a test can check both the refusal and the retry.
 */
import type { ChannelLog } from './ChannelLog';

export function withFaults(log: ChannelLog, spec: string | undefined): ChannelLog {
  const m = spec?.match(/^log-commit:([A-Za-z0-9_-]+)$/);
  if (!m) return log;
  const prefix = m[1]!;
  const failed = new Set<string>();
  return {
    head: () => log.head(),
    findByClientMsgId: (sender, id) => log.findByClientMsgId(sender, id),
    get: (seq) => log.get(seq),
    after: (after, limit) => log.after(after, limit),
    messagesBy: (sender, from, to, limit) => log.messagesBy(sender, from, to, limit),
    before: (before, limit) => log.before(before, limit),
    threads: (limit) => log.threads(limit),
    thread: (root, after, limit) => log.thread(root, after, limit),
    rankOf: (userId) => log.rankOf(userId),
    setRank: (userId, rank) => log.setRank(userId, rank),
    epoch: () => log.epoch(),
    bumpEpoch: () => log.bumpEpoch(),
    serverMuted: (userId) => log.serverMuted(userId),
    setServerMuted: (userId, muted) => log.setServerMuted(userId, muted),
    expire: (now) => log.expire(now),
    commit(e) {
      if (e.clientMsgId.startsWith(prefix) && !failed.has(e.clientMsgId)) {
        failed.add(e.clientMsgId);
        throw new Error('injected fault: SQLITE_FULL: database or disk is full');
      }
      log.commit(e);
    },
  };
}
