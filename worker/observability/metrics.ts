/**
 * The instance's metrics (issue #19 item 5), in the Prometheus text exposition format, served at
 * `GET /metrics` to whoever presents METRICS_TOKEN (worker/routes/metrics.ts; off when unset).
 *
 * One registry per isolate, in module state. Self-hosted, the worker and every Durable Object of
 * it (channel rooms, user hubs, the store) run in the one workerd isolate, so this registry sees
 * the whole instance. On Cloudflare each isolate has its own and a scrape reaches one of them;
 * use Cloudflare's analytics there (README, "Metrics and logs").
 *
 * Nothing here is ever labelled with content, a user, a channel or a token: labels are route
 * patterns, refusal codes, results and socket kinds, a small closed set.
 */

type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[];
}

/** A metric with one number per label set: counters only go up, gauges go both ways. */
abstract class Series extends Metric {
  protected readonly values = new Map<string, number>();
  value(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  lines(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

class Counter extends Series {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
}

class Gauge extends Series {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  add(by: number, labels: Labels = {}): void {
    const k = key(labels);
    // Never below zero: a close counted twice (an error after a close) must not hide an open socket.
    this.values.set(k, Math.max(0, (this.values.get(k) ?? 0) + by));
  }
}

class Histogram extends Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (const [i, le] of this.buckets.entries()) if (value <= le) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      const prefix = k ? `${k},` : '';
      for (const [i, le] of this.buckets.entries()) out.push(`${this.name}_bucket{${prefix}le="${le}"} ${s.counts[i]}`);
      out.push(`${this.name}_bucket{${prefix}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export const metrics = {
  socketsOpen: new Gauge('chatalot_sockets_open', 'WebSocket connections open, by kind (channel, relayed: a channel socket on a relay shard, call, hub)'),
  roomsActive: new Gauge('chatalot_rooms_active', 'Channel rooms with at least one socket open'),
  envelopesAccepted: new Counter('chatalot_envelopes_accepted_total', 'Envelopes sequenced and stored by channel rooms'),
  envelopesRefused: new Counter('chatalot_envelopes_refused_total', 'Envelopes a channel room refused, by reason (the error code sent back)'),
  deliveries: new Counter('chatalot_envelope_deliveries_total', 'Envelopes sent to a socket as they were accepted (fan-out, not replays)'),
  hubDeliveries: new Counter('chatalot_hub_deliveries_total', 'Pairwise ciphertexts stored for a device inbox (key distributions, call signals)'),
  logins: new Counter('chatalot_logins_total', 'Sign-ins by result (success, failure)'),
  argon2InFlight: new Gauge('chatalot_argon2_queue_depth', 'Password hashes and checks waiting for or running in the hasher'),
  storageErrors: new Counter('chatalot_storage_errors_total', 'Storage failures, by where they surfaced (api, channel_log)'),
  httpDuration: new Histogram('chatalot_http_request_duration_seconds', 'HTTP request latency by method, route pattern and status class', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
};

/** Every metric in the Prometheus text format (version 0.0.4). */
export function renderPrometheus(): string {
  const out: string[] = [];
  for (const m of Object.values(metrics) as Metric[]) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
  }
  return `${out.join('\n')}\n`;
}
