/**
 * Where the machine's CPU went during a measurement: all cores, PostgreSQL's processes and
 * Redis, read from /proc (Linux) and Redis' INFO. Used to say why a curve flattens.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';

const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  at: number;
  /** Busy time of all cores, seconds. */
  machine: number;
  /** CPU seconds of each PostgreSQL process, by pid: backends come and go between snapshots. */
  postgres: Map<string, number>;
  redis: number;
}

export interface CpuUse {
  /** Average cores busy over the interval, of nproc. */
  machine: number;
  postgres: number;
  redis: number;
}

async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

async function postgresSeconds(): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if ((await readFile(`/proc/${pid}/comm`, 'utf8')).trim() !== 'postgres') continue;
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
      seconds.set(pid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    } catch {
      // The process ended meanwhile.
    }
  }
  return seconds;
}

async function redisSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (key: string) => Number(new RegExp(`^${key}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return value('used_cpu_sys') + value('used_cpu_user');
}

export async function snapshotCpu(redis: Redis): Promise<CpuSnapshot> {
  const [machine, postgres, redisCpu] = await Promise.all([
    machineBusySeconds().catch(() => Number.NaN),
    postgresSeconds().catch(() => new Map<string, number>()),
    redisSeconds(redis).catch(() => Number.NaN),
  ]);
  return { at: performance.now(), machine, postgres, redis: redisCpu };
}

export function cpuBetween(from: CpuSnapshot, to: CpuSnapshot): CpuUse {
  const seconds = (to.at - from.at) / 1000;
  // A backend that started meanwhile counts from zero; one that ended loses its last few ticks.
  let postgres = 0;
  for (const [pid, used] of to.postgres) postgres += used - (from.postgres.get(pid) ?? 0);
  return {
    machine: (to.machine - from.machine) / seconds,
    postgres: postgres / seconds,
    redis: (to.redis - from.redis) / seconds,
  };
}
