import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findFreePort } from './ports';

const run = promisify(execFile);

/** Why a cluster test cannot run here, or null when redis-server and redis-cli are installed. */
export function clusterUnavailableReason(): string | null {
  for (const binary of ['redis-server', 'redis-cli']) {
    if (spawnSync(binary, ['--version']).status !== 0)
      return `${binary} is not installed (apt-get install redis-server)`;
  }
  return null;
}

interface ClusterNode {
  port: number;
  busPort: number;
  dir: string;
  child: ChildProcess;
}

export interface OwnCluster {
  /** host:port of every node, comma-separated, as REDIS_CLUSTER_NODES takes them. */
  seeds: string;
  ports: number[];
  /** The port of the master that serves `key`'s slot now. */
  masterFor(key: string): Promise<number>;
  /** SIGKILLs the node on `port`, as a crashed machine would. */
  kill(port: number): void;
  /** Whether every live node says cluster_state:ok and one master per third of the slots answers. */
  isHealthy(): Promise<boolean>;
  destroy(): Promise<void>;
}

const cli = async (port: number, ...args: string[]) =>
  (await run('redis-cli', ['-p', String(port), ...args], { timeout: 5_000 })).stdout;

async function startNode(port: number, busPort: number, nodeTimeoutMs: number): Promise<ClusterNode> {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-cluster-'));
  const args = [
    '--port',
    String(port),
    '--cluster-port',
    String(busPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
  ];
  args.push(
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
  );
  args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no');
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server ${port} did not start: ${output.slice(-300)}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server ${port} exited with ${code}: ${output.slice(-300)}`));
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  return { port, busPort, dir, child };
}

/**
 * A Redis Cluster of the test's own: `masters` masters with one replica each, on free ports,
 * nothing kept on disk. A short cluster-node-timeout keeps a failover within a few seconds.
 */
export async function startOwnCluster({ masters = 3, nodeTimeoutMs = 2_000 } = {}): Promise<OwnCluster> {
  const ports: { port: number; busPort: number }[] = [];
  while (ports.length < masters * 2) {
    const [port, busPort] = [await findFreePort(), await findFreePort()];
    if (port !== busPort) ports.push({ port, busPort });
  }
  const nodes = await Promise.all(ports.map(({ port, busPort }) => startNode(port, busPort, nodeTimeoutMs)));
  const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);

  const cluster: OwnCluster = {
    seeds: nodes.map((node) => `127.0.0.1:${node.port}`).join(','),
    ports: nodes.map((node) => node.port),
    async masterFor(key) {
      const [first] = alive();
      const slot = Number((await cli(first!.port, 'CLUSTER', 'KEYSLOT', key)).trim());
      for (const line of (await cli(first!.port, 'CLUSTER', 'NODES')).split('\n')) {
        const fields = line.trim().split(' ');
        if (!fields[2]?.split(',').includes('master') || fields[2].includes('fail')) continue;
        const serves = fields.slice(8).some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from! && slot <= to!;
        });
        if (serves) return Number(fields[1]!.split('@')[0]!.split(':')[1]);
      }
      throw new Error(`no live master serves slot ${slot}`);
    },
    kill(port) {
      nodes.find((node) => node.port === port)?.child.kill('SIGKILL');
    },
    async isHealthy() {
      const states = await Promise.all(
        alive().map((node) => cli(node.port, 'CLUSTER', 'INFO').catch(() => '')),
      );
      return states.every((info) => /cluster_state:ok/.test(info));
    },
    async destroy() {
      await Promise.all(
        nodes.map(async (node) => {
          if (node.child.exitCode === null && node.child.signalCode === null) {
            const exited = once(node.child, 'exit');
            node.child.kill('SIGKILL');
            await exited;
          }
          rmSync(node.dir, { recursive: true, force: true });
        }),
      );
    },
  };
  try {
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      {
        timeout: 20_000,
      },
    );
    const deadline = Date.now() + 20_000;
    // Every replica attached and in sync, or killing its master would leave nobody to promote.
    const isReplicated = async () => {
      const infos = await Promise.all(nodes.map((node) => cli(node.port, 'INFO', 'replication')));
      return (
        infos.filter((info) => /role:slave/.test(info) && /master_link_status:up/.test(info)).length ===
        masters
      );
    };
    while (!(await cluster.isHealthy()) || !(await isReplicated())) {
      if (Date.now() > deadline) throw new Error('the cluster did not reach cluster_state:ok within 20 s');
      await sleep(200);
    }
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
