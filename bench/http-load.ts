/**
 * A paced, open-loop load generator: request i is due at t0 + i/rate, latency
 * counts from that due time (no coordinated omission). autocannon's
 * overallRate instead sends each second's budget in a burst at the start of
 * the second, so its "1,000 req/s" p99 measures a 1,000-request queue.
 */
import { Agent, request } from 'node:http';

export interface PacedResult {
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  achievedRps: number;
}

export async function runPaced(url: string, rate: number, seconds: number): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const t0 = performance.now() + 20;
  const done = new Promise<void>((resolve) => {
    let finished = 0;
    const finish = () => {
      if (++finished === total) resolve();
    };
    const pump = () => {
      const now = performance.now();
      while (sent < total && t0 + (sent * 1000) / rate <= now) {
        const due = t0 + (sent * 1000) / rate;
        sent++;
        const req = request(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(performance.now() - due);
            else errors++;
            finish();
          });
        });
        req.on('error', () => {
          errors++;
          finish();
        });
        req.end();
      }
      if (sent < total) setTimeout(pump, 1);
    };
    pump();
  });
  await done;
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN) * 100) / 100;
  return {
    sent,
    ok: latencies.length,
    errors,
    p50: q(0.5),
    p99: q(0.99),
    max: q(1),
    achievedRps: Math.round(latencies.length / elapsed),
  };
}
