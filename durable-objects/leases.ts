/**
 * Open-socket leases of one IP or account (hardening #11.2), as RateLimiterObject holds them in
 * memory: lease id → when it lapses by itself (the socket token's expiry, when the socket would be
 * closed anyway), so an eviction or a lost release can only ever undercount, never lock anyone out.
 */
export class Leases {
  private readonly held = new Map<string, number>();
  /** The earliest lapse among the leases (Infinity with none): before it nothing has lapsed, so nothing is swept. */
  private nextLapse = Number.POSITIVE_INFINITY;

  /** Counts an open socket against `cap`; false (and nothing held) when `cap` sockets are open. */
  acquire(leaseId: string, cap: number, expiresAt: number, now: number): boolean {
    // Swept only once something has lapsed, not on every acquire: n joins from one address
    // then cost n steps, not n² (issue #18 measures 3,000 joins behind one IP).
    if (now >= this.nextLapse) this.sweep(now);
    if (this.held.has(leaseId)) return true;
    if (this.held.size >= cap) return false;
    this.held.set(leaseId, expiresAt);
    this.nextLapse = Math.min(this.nextLapse, expiresAt);
    return true;
  }

  /** The socket holding `leaseId` closed. */
  release(leaseId: string): void {
    this.held.delete(leaseId);
  }

  get size(): number {
    return this.held.size;
  }

  /** Forgets the leases that lapsed by `now` and notes when the next one will. */
  private sweep(now: number): void {
    this.nextLapse = Number.POSITIVE_INFINITY;
    for (const [id, until] of this.held) {
      if (until <= now) this.held.delete(id);
      else this.nextLapse = Math.min(this.nextLapse, until);
    }
  }
}
