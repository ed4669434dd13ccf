#!/usr/bin/env node
// `pnpm build`: every workspace package's src/ compiled to dist/, file for file, as plain
// JavaScript that Node runs without a TypeScript loader. Production runs it so:
//   node --conditions=herald-compiled apps/worker/dist/main.js
// The condition points each package's exports at dist/ (the default still points at src/, which
// tests and `pnpm herald` run through tsx). dist/ sits beside src/, so every path a module finds
// from its own location (templates, migrations, the template cache) stays the same.
//
// esbuild only strips types here (`pnpm typecheck` checks them): each file is its own entry and
// every import stays external, a relative one rewritten from .ts (or no extension) to .js.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Each workspace package's src/ to its dist/, and bench/ to bench/dist/ (the bench's worker processes). */
const TARGETS = [
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(path.join(ROOT, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => ({
        srcDir: path.join(ROOT, group, entry.name, 'src'),
        outDir: path.join(ROOT, group, entry.name, 'dist'),
      })),
  ),
  {
    srcDir: path.join(ROOT, 'bench'),
    outDir: path.join(ROOT, 'bench', 'dist'),
    entries: ['worker-child.ts', 'lib/tasks.ts'],
  },
];

const sources = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !/\.(test|d)\.ts$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));

/** Keeps every import as it is, but points a relative one at the compiled file. */
const importsStayExternal = (srcDir) => ({
  name: 'imports-stay-external',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind === 'entry-point' || args.pluginData?.resolving) return undefined;
      if (!args.path.startsWith('.')) return { path: args.path, external: true };
      const resolved = await pluginBuild.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { resolving: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (path.relative(srcDir, resolved.path).startsWith('..')) {
        return { errors: [{ text: `${args.path} (from ${args.importer}) is outside ${srcDir}` }] };
      }
      let relative = path.relative(args.resolveDir, resolved.path).replace(/\.ts$/, '.js');
      if (!relative.startsWith('.')) relative = `./${relative}`;
      return { path: relative.split(path.sep).join('/'), external: true };
    });
  },
});

/**
 * Compiles every target, each written aside and then swapped in: a process importing from dist/
 * meanwhile (a test run, a bench run) never sees it half written. Used by `pnpm build`, the tests'
 * global set-up and the bench.
 */
export async function buildWorkspace() {
  const started = performance.now();
  let files = 0;
  for (const { srcDir, outDir, entries } of TARGETS) {
    if (!existsSync(srcDir)) continue; // bench/ is not in the images' build context
    const entryPoints = entries ? entries.map((entry) => path.join(srcDir, entry)) : sources(srcDir);
    files += entryPoints.length;
    const fresh = `${outDir}.new-${process.pid}`;
    const stale = `${outDir}.old-${process.pid}`;
    rmSync(fresh, { recursive: true, force: true });
    await build({
      entryPoints,
      outbase: srcDir,
      outdir: fresh,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
      plugins: [importsStayExternal(srcDir)],
    });
    if (existsSync(outDir)) renameSync(outDir, stale);
    renameSync(fresh, outDir);
    rmSync(stale, { recursive: true, force: true });
  }
  return { files, folders: TARGETS.length, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { files, folders, ms } = await buildWorkspace();
  process.stderr.write(`herald: compiled ${files} files to dist/ in ${folders} folders (${ms} ms)\n`);
}
