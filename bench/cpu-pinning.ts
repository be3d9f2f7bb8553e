/**
 * Keeps the app under test and the load generator off each other's CPU. On this 2-core
 * machine autocannon, Redis and the app otherwise fight for the same cores and one round of a
 * mode can measure ±20% from the next; pinned, each app gets a core of its own and every mode
 * is measured on the same footing.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** The CPU the benchmarked app runs on; the harness (autocannon, wrk) and Redis get the others. */
export const APP_CPU_INDEX = 0;
const APP_CPU = String(APP_CPU_INDEX);

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const isPinningPossible = process.platform === 'linux' && cpus().length >= 2 && hasTaskset();
const loadCpus = `1-${cpus().length - 1}`;

/** Sets a process's (and its threads') CPUs; false where that is not possible. */
function pin(pid: number, cpuList: string): boolean {
  if (!isPinningPossible) return false;
  try {
    execFileSync('taskset', ['-a', '-cp', cpuList, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let isHarnessPinned = false;

/** Whether `pinHarness` pinned this process: only then is the app's CPU its own, and its busy share means something. */
export function harnessIsPinned(): boolean {
  return isHarnessPinned;
}

/** Pins this process (autocannon runs in it; children it starts, such as wrk and Redis, inherit it). */
export function pinHarness(): string {
  isHarnessPinned = pin(process.pid, loadCpus);
  return isHarnessPinned
    ? `the app under test on CPU ${APP_CPU}; the harness, the load generators (autocannon, wrk) and Redis on CPU ${loadCpus} (taskset)`
    : 'not pinned (taskset or a second CPU missing): app, load generator and Redis share the CPUs';
}

/** Moves a freshly started app process onto its own CPU. */
export function pinApp(pid: number | undefined): void {
  if (pid !== undefined) pin(pid, APP_CPU);
}
