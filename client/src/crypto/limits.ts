/**
 * Limits of the crypto library that the interface names to people, in a module of their own so
 * that naming one does not bring the library (curves, ML-KEM) into the chat screen's first chunk.
 */

/**
 * Older key ids kept per (channel, sender) only to read history (a device restored from the key
 * backup reads the period the backup covers, issue #20). A sender rotates after 1,000 messages, a
 * week, or any member's removal, so 128 keys are at least 128 weeks or 128,000 messages of one
 * sender in one conversation — or 128 removals, the one cause a busy community can drive quickly.
 * The bound is what a record costs: a retired key is 72 bytes, and the record is read from
 * storage for every message opened, so 128 keep it under 10 KiB; and the backup (MAX_BACKUP_LENGTH,
 * 64 MiB) holds every record, so 128 × 72 bytes leaves room for about 7,000 (channel, sender) pairs.
 */
export const MAX_RETIRED_SENDER_KEYS = 128;
