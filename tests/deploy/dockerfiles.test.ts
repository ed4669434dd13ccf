// The api and worker images, read as text: no Docker engine is needed.
import { describe, expect, it } from 'vitest';
import {
  execForm,
  exists,
  isDockerIgnored,
  packageManagerVersion,
  parseDockerfile,
  readText,
  schemaDefault,
  type Stage,
} from './support.ts';

const APPS = [
  ['api', 'PORT'],
  ['worker', 'WORKER_HEALTH_PORT'],
] as const;

const MARKER = '# ---- app-specific from here ----';

function instructionsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);
}

describe.each(APPS)('apps/%s/Dockerfile', (app, portVariable) => {
  const file = `apps/${app}/Dockerfile`;
  const text = readText(file);
  const { preamble, stages } = parseDockerfile(text);
  const runtime = stages.at(-1)!;
  const stageNames = new Set(stages.map((stage) => stage.name));
  const defaultPort = schemaDefault(portVariable);

  it('builds on Node 20, as package.json engines require', () => {
    const engines = (JSON.parse(readText('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/^>=20\b/);
    expect(preamble.map((instruction) => instruction.args)).toContain('NODE_VERSION=20');
    for (const stage of stages) {
      if (!stageNames.has(stage.from)) expect(stage.from).toBe('node:${NODE_VERSION}-bookworm-slim');
    }
  });

  it("installs the pnpm version of package.json's packageManager with npm", () => {
    const base = stages.find((stage) => stage.name === 'base')!;
    expect(instructionsOf(base, 'ARG')).toContain(`PNPM_VERSION=${packageManagerVersion()}`);
    expect(instructionsOf(base, 'RUN').join('\n')).toContain('npm install --global pnpm@${PNPM_VERSION}');
  });

  it('installs, generates the Prisma client, typechecks and compiles in a build stage', () => {
    const build = stages.find((stage) => stage.name === 'build')!;
    const runs = instructionsOf(build, 'RUN').join('\n');
    expect(runs).toMatch(/pnpm install --frozen-lockfile/);
    expect(runs).toContain('pnpm generate');
    expect(runs).toMatch(/pnpm --recursive run typecheck|pnpm typecheck/);
    expect(runs).toContain(
      'pnpm build && mkdir /compiled && cp -r --parents apps/*/dist packages/*/dist /compiled/',
    );
    expect(instructionsOf(runtime, 'COPY')).toContain('--from=build /compiled ./');
  });

  it('ships production dependencies only, plus the generated client from the build stage', () => {
    const prodDeps = stages.find((stage) => stage.name === 'prod-deps')!;
    expect(instructionsOf(prodDeps, 'RUN').join('\n')).toMatch(/pnpm install --prod --frozen-lockfile/);
    const copies = instructionsOf(runtime, 'COPY');
    expect(copies).toContain('--from=prod-deps /app ./');
    expect(copies).toContain('--from=build /app/packages/db/src/generated ./packages/db/src/generated');
    for (const copy of stages.flatMap((stage) => instructionsOf(stage, 'COPY'))) {
      const from = /--from=(\S+)/.exec(copy)?.[1];
      if (from) expect(stageNames, `COPY ${copy}`).toContain(from);
    }
  });

  it('runs as a numeric non-root user, so Kubernetes can enforce runAsNonRoot', () => {
    const users = instructionsOf(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
  });

  it('starts the compiled app under tini from its own directory, and checks at build time that it loads', () => {
    expect(execForm(instructionsOf(runtime, 'ENTRYPOINT').at(-1)!)).toEqual(['/usr/bin/tini', '--']);
    expect(instructionsOf(runtime, 'RUN').join('\n')).toContain(
      'apt-get install --yes --no-install-recommends tini',
    );
    expect(instructionsOf(runtime, 'WORKDIR').at(-1)).toBe(`/app/apps/${app}`);
    expect(execForm(instructionsOf(runtime, 'CMD').at(-1)!)).toEqual([
      'node',
      '--conditions=herald-compiled',
      'dist/main.js',
    ]);
    expect(exists(`apps/${app}/src/main.ts`)).toBe(true);
    // tests/deploy/compiled.test.ts runs this same check against the local build.
    expect(instructionsOf(runtime, 'RUN').join('\n')).toContain(
      `node --conditions=herald-compiled --input-type=module --eval "await import('@herald/${app}')"`,
    );
  });

  it(`has a HEALTHCHECK on /healthz at ${portVariable} and exposes its default port`, () => {
    const healthcheck = instructionsOf(runtime, 'HEALTHCHECK').at(-1)!;
    const script = execForm(healthcheck).join(' ');
    expect(script).toContain(`process.env.${portVariable} || ${defaultPort}`);
    expect(script).toContain('/healthz');
    expect(instructionsOf(runtime, 'EXPOSE')).toEqual([defaultPort]);
  });

  it('copies only what .dockerignore lets into the context', () => {
    const dockerignore = readText('.dockerignore');
    const sources = stages
      .flatMap((stage) => instructionsOf(stage, 'COPY'))
      .filter((copy) => !copy.startsWith('--from'))
      .flatMap((copy) => copy.split(' ').slice(0, -1))
      .filter((source) => source !== '.');
    const needed = [
      ...sources,
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'scripts/prisma-generate.mjs',
      'prisma.config.ts',
    ];
    for (const source of needed) {
      expect(exists(source), `${source} exists`).toBe(true);
      expect(isDockerIgnored(source, dockerignore), `${source} is in the build context`).toBe(false);
    }
  });
});

describe('the two Dockerfiles', () => {
  it('share every stage above the app-specific line', () => {
    const shared = (app: string) => {
      const text = readText(`apps/${app}/Dockerfile`);
      expect(text).toContain(MARKER);
      return text.slice(text.indexOf('ARG NODE_VERSION'), text.indexOf(MARKER));
    };
    expect(shared('worker')).toBe(shared('api'));
  });
});

describe('.dockerignore', () => {
  const dockerignore = readText('.dockerignore');

  it('keeps host dependencies, secrets, git history and generated code out of the context', () => {
    for (const path of [
      'node_modules',
      'apps/api/node_modules/express',
      '.env',
      'apps/api/.env',
      '.git/config',
      'packages/db/src/generated/prisma/client.ts',
    ]) {
      expect(isDockerIgnored(path, dockerignore), path).toBe(true);
    }
  });

  it('keeps the workspace sources in', () => {
    for (const path of [
      'apps/api/src/main.ts',
      'apps/cli/src/main.ts',
      'packages/db/src/index.ts',
      'prisma/migrations',
      'prisma/schema.prisma',
    ]) {
      expect(isDockerIgnored(path, dockerignore), path).toBe(false);
    }
  });
});
