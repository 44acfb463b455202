/**
 * The alarm that closes sockets when their access tokens expire, for any object holding
 * hibernatable sockets (channel rooms, user hubs). It keeps the earliest pending expiry as the
 * object's alarm, remembering what it set so a join costs no storage read after the first.
 * What "expired" means and how sockets close is the caller's: it passes `closeExpired`.
 */
export class ExpiryAlarm {
  /** The alarm this instance last set; undefined until read once from storage. */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Closes what has expired (releases what is due) and returns the earliest time still to come, or null. */
    private readonly closeExpired: () => number | null,
  ) {}

  /** Makes sure the object wakes by `at`. */
  async schedule(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.storage.getAlarm();
    if (this.alarmAt === null || at < this.alarmAt) {
      this.alarmAt = at;
      await this.storage.setAlarm(at);
    }
  }

  /** The object's `alarm()` handler calls this. */
  async fire(): Promise<void> {
    const next = this.closeExpired();
    this.alarmAt = next;
    if (next !== null) await this.storage.setAlarm(next);
  }
}
