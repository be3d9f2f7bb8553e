/**
 * How busy each CPU was while a load ran: a req/s measures the app only while the load side
 * keeps up. On this 2-core machine the load generator (autocannon runs in the harness) and
 * Redis share the other CPU; once that one is full, the generator may set the pace (seen: the
 * Fastify ceiling under autocannon, both CPUs at 96-97 %, below the same app under wrk).
 */
import { cpus } from 'node:os';
import { APP_CPU_INDEX } from './cpu-pinning.js';

/** Per CPU, its busy and total time so far (ms, from `os.cpus()`). */
export type CpuTimes = Array<{ busy: number; total: number }>;

/** How busy the app's CPU and the busiest of the others were over one load run (0–1 each). */
export interface CpuBusy {
  app: number;
  load: number;
}

/** From this share on, the load side's CPU (generator, Redis) was full. */
export const LOAD_BUSY_CEILING = 0.9;

export function cpuTimes(): CpuTimes {
  return cpus().map(({ times }) => {
    const busy = times.user + times.nice + times.sys + times.irq;
    return { busy, total: busy + times.idle };
  });
}

/** The app's CPU and the busiest other CPU between two readings; `undefined` on a single CPU or when no time passed. */
export function cpuBusyBetween(before: CpuTimes, after: CpuTimes): CpuBusy | undefined {
  const shares = after.map((cpu, index) => {
    const start = before[index];
    const total = start === undefined ? 0 : cpu.total - start.total;
    return total > 0 ? Math.min(1, Math.max(0, (cpu.busy - start!.busy) / total)) : undefined;
  });
  const app = shares[APP_CPU_INDEX];
  const others = shares.filter((share, index): share is number => index !== APP_CPU_INDEX && share !== undefined);
  if (app === undefined || others.length === 0) return undefined;
  return { app, load: Math.max(...others) };
}
