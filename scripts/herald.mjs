#!/usr/bin/env node
// `pnpm demo|test|bench` and `npm run demo|test|bench` on a fresh clone with only Node and npm:
// installs dependencies and generates the Prisma client when they are missing or stale, then
// runs the herald CLI. Plain Node, no dependencies: nothing is installed when this starts.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM = ['npx', '--yes', 'pnpm@10.34.9'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = ['exec', 'tsx', 'apps/cli/src/main.ts'];
const USAGE = 'usage: node scripts/herald.mjs demo | test [vitest args] | bench [--quick] | reliability';
const isWindows = process.platform === 'win32';

const at = (...parts) => path.join(ROOT, ...parts);
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);
const say = (message) => process.stderr.write(`herald: ${message}\n`);

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    say(`Node ${process.versions.node} is too old: Herald needs Node 20.19 or newer (https://nodejs.org).`);
    process.exit(1);
  }
}

/**
 * Nested tools call `pnpm` by name (scripts/prisma-generate.mjs, `herald with-stack -- pnpm ...`),
 * and a fresh machine may have none: a shim in .herald/bin runs the pinned version through npx.
 */
function pathWithPnpmShim() {
  const bin = at('.herald', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'pnpm'), `#!/bin/sh\nexec ${PNPM.join(' ')} "$@"\n`);
  chmodSync(path.join(bin, 'pnpm'), 0o755);
  writeFileSync(path.join(bin, 'pnpm.cmd'), `@${PNPM.join(' ')} %*\r\n`);
  return `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
}

let env = process.env;

function runSync(command, args, what) {
  say(what);
  const result = spawnSync(command, args, { cwd: ROOT, env, stdio: 'inherit', shell: isWindows });
  if (result.status !== 0) {
    say(`${what} failed (${result.error?.message ?? `exit code ${result.status ?? result.signal}`})`);
    process.exit(result.status || 1);
  }
}

function installIfNeeded() {
  const marker = at('node_modules', '.modules.yaml');
  if (existsSync(marker) && mtime(at('pnpm-lock.yaml')) <= mtime(marker)) return;
  runSync(
    PNPM[0],
    [...PNPM.slice(1), 'install', '--frozen-lockfile'],
    'installing dependencies (pnpm install --frozen-lockfile)',
  );
  // pnpm leaves the marker alone when nothing changed; touch it so the next run skips this step.
  if (existsSync(marker)) utimesSync(marker, new Date(), new Date());
}

function newestFile(dir) {
  if (!existsSync(dir)) return 0;
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isFile() ? mtime(path.join(dir, e.name)) : 0)),
  );
}

function generateIfNeeded() {
  const generated = newestFile(at('packages', 'db', 'src', 'generated', 'prisma'));
  if (generated > 0 && generated >= mtime(at('prisma', 'schema.prisma'))) return;
  runSync(process.execPath, [at('scripts', 'prisma-generate.mjs')], 'generating the Prisma client');
}

function commandFor(name, args) {
  if (name === 'demo') return [...CLI, 'demo', ...args];
  if (name === 'test') return [...CLI, 'with-stack', '--', ...PNPM, 'exec', 'vitest', 'run', ...args];
  if (name === 'bench') return [...CLI, 'with-stack', '--', ...PNPM, 'exec', 'tsx', 'bench/run.ts', ...args];
  if (name === 'reliability') {
    return [...CLI, 'with-stack', '--', ...PNPM, 'exec', 'tsx', 'tests/reliability/run-full.ts', ...args];
  }
  return undefined;
}

/** Runs the command and leaves with its exit code; SIGINT and SIGTERM are passed on to it. */
function runAndExit(args) {
  const child = spawn(PNPM[0], [...PNPM.slice(1), ...args], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
    shell: isWindows,
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (error) => {
    say(`could not start ${PNPM.join(' ')}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

const [name, ...args] = process.argv.slice(2);
const command = commandFor(name, args);
if (!command) {
  say(name ? `unknown command "${name}"` : 'no command given');
  say(USAGE);
  process.exit(2);
}
checkNode();
env = { ...process.env, PATH: pathWithPnpmShim() };
installIfNeeded();
generateIfNeeded();
runAndExit(command);
