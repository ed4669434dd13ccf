// .github/workflows: they parse, CI runs against real Redis and PostgreSQL, and the deploy
// workflows build the right image, create the Secret without committing a value, and
// apply an existing overlay.
import { describe, expect, it } from 'vitest';
import {
  OVERLAYS,
  exists,
  listFiles,
  packageManagerVersion,
  readSecretTemplate,
  readText,
  readYaml,
} from './support.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
  'continue-on-error'?: boolean;
}

interface Job {
  'runs-on': string;
  needs?: string | string[];
  environment?: string;
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const workflowFiles = listFiles('.github/workflows').filter((file) => /\.ya?ml$/.test(file));
const load = (name: string) => readYaml<Workflow>(`.github/workflows/${name}`);
const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');

describe('.github/workflows', () => {
  it('holds ci, api and worker, each parsing with triggers and jobs', () => {
    expect(workflowFiles.map((file) => file.split('/').at(-1)).sort()).toEqual([
      'api.yml',
      'ci.yml',
      'worker.yml',
    ]);
    for (const file of workflowFiles) {
      const workflow = readYaml<Workflow>(file);
      expect(workflow.on, file).toBeTypeOf('object');
      expect(Object.keys(workflow.jobs).length, file).toBeGreaterThan(0);
    }
  });

  it('commit no credentials', () => {
    const credential =
      /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{20,}|\bAKIA[0-9A-Z]{16}\b|\bxox[abp]-[A-Za-z0-9-]{10,}/;
    const files = [...workflowFiles, ...listFiles('k8s'), 'docker-compose.yml', 'docs/deploy.md'];
    for (const file of files) expect(credential.test(readText(file)), file).toBe(false);
  });
});

describe('ci.yml', () => {
  const ci = load('ci.yml');
  const job = Object.values(ci.jobs).find((candidate) => candidate.services)!;

  it('runs on pushes to main and on pull requests', () => {
    expect(ci.on).toHaveProperty('pull_request');
    expect(ci.on).toHaveProperty('push');
  });

  it('tests against redis:7 and postgres:17 service containers', () => {
    expect(job.services?.redis?.image).toMatch(/^redis:7\b/);
    expect(job.services?.postgres?.image).toMatch(/^postgres:17\b/);
    const postgres = job.services!.postgres!.env!;
    const database = new URL(job.env!.DATABASE_URL!);
    expect(database.hostname).toBe('localhost');
    expect(database.username).toBe(postgres.POSTGRES_USER);
    expect(database.password).toBe(postgres.POSTGRES_PASSWORD);
    expect(job.services!.postgres!.ports).toContain(`${database.port}:5432`);
    const redis = new URL(job.env!.REDIS_URL!);
    expect(job.services!.redis!.ports).toContain(`${redis.port}:6379`);
  });

  it('sets up Node 20 and the pinned pnpm, then installs, lints, typechecks and tests', () => {
    const setupNode = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toBe('20');
    const commands = runs(job);
    const order = [
      `npm install --global pnpm@${packageManagerVersion()}`,
      'pnpm install --frozen-lockfile',
      'pnpm generate',
      'pnpm lint',
      'pnpm typecheck',
      'npm test',
    ].map((command) => {
      expect(commands, command).toContain(command);
      return commands.indexOf(command);
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('reports `pnpm audit --prod` without failing the job', () => {
    const audit = job.steps.find((step) => step.run?.includes('pnpm audit --prod'))!;
    expect(audit['continue-on-error']).toBe(true);
    expect(audit.run).toMatch(/pnpm audit --prod[^\n]*\|\| status=\$\?/);
  });
});

describe.each(['api', 'worker'])('%s.yml', (app) => {
  const workflow = load(`${app}.yml`);
  const other = app === 'api' ? 'worker' : 'api';
  const build = Object.values(workflow.jobs).find((job) =>
    job.steps.some((step) => step.uses?.startsWith('docker/build-push-action@')),
  )!;
  const deploy = Object.values(workflow.jobs).find((job) => runs(job).includes('kubectl apply -k'))!;
  const script = runs(deploy);

  it('runs on pushes to main and by hand for dev, stg or prd, each an overlay', () => {
    expect((workflow.on.push as { branches: string[] }).branches).toEqual(['main']);
    const input = (
      workflow.on.workflow_dispatch as { inputs: { environment: { type: string; options: string[] } } }
    ).inputs.environment;
    expect(input.type).toBe('choice');
    expect(input.options).toEqual([...OVERLAYS]);
    for (const environment of input.options)
      expect(exists(`k8s/overlays/${environment}/kustomization.yaml`), environment).toBe(true);
  });

  it(`builds apps/${app}/Dockerfile from the repository root and pushes it to ghcr.io`, () => {
    const step = build.steps.find((candidate) => candidate.uses?.startsWith('docker/build-push-action@'))!;
    expect(step.with).toMatchObject({ context: '.', file: `apps/${app}/Dockerfile`, push: true });
    expect(exists(`apps/${app}/Dockerfile`)).toBe(true);
    expect(runs(build)).toContain(`ghcr.io/\${GITHUB_REPOSITORY_OWNER,,}/herald-${app}:sha-\${GITHUB_SHA}`);
    expect(build.steps.some((candidate) => candidate.uses?.startsWith('docker/login-action@'))).toBe(true);
  });

  it('deploys to the chosen environment, serialised with the other app', () => {
    expect(deploy.environment).toBe("${{ inputs.environment || 'dev' }}");
    expect(deploy.env?.OVERLAY).toBe("k8s/overlays/${{ inputs.environment || 'dev' }}");
    expect(workflow.env?.NAMESPACE).toBe("herald-${{ inputs.environment || 'dev' }}");
    expect(workflow.concurrency?.group).toBe(load(`${other}.yml`).concurrency?.group);
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('creates herald-secrets from GitHub secrets with every key of the template', () => {
    expect(script).toMatch(
      /kubectl create secret generic herald-secrets [^\n]*\\\n\s*--dry-run=client -o yaml \| kubectl apply -f -/,
    );
    const literals = [...script.matchAll(/--from-literal=([A-Z_]+)="\$([A-Z_]+)"/g)];
    expect(literals.map(([, key]) => key).sort()).toEqual([...readSecretTemplate().keys.keys()].sort());
    for (const [, key, variable] of literals) expect(variable, key).toBe(key);
    // Values only ever come from ${{ secrets.* }}, never from the file.
    const step = deploy.steps.find((candidate) => candidate.run?.includes('kubectl create secret'))!;
    for (const [name, value] of Object.entries(step.env ?? {})) expect(value).toBe(`\${{ secrets.${name} }}`);
    expect(script).not.toMatch(/--from-literal=[A-Z_]+=[^"$]/);
  });

  it('sets the new image with kustomize, migrates, applies the overlay and waits for the rollout', () => {
    const order = [
      `kustomize edit set image`,
      `"herald-${app}=$IMAGE"`,
      `"herald-migrate=$IMAGE"`,
      'kubectl --namespace "$NAMESPACE" delete job herald-migrate --ignore-not-found',
      `kubectl apply -k "$OVERLAY" --selector 'app.kubernetes.io/component in (config,migrate)'`,
      'kubectl apply -k "$OVERLAY"\n',
      `rollout status deployment/herald-${app}`,
    ].map((fragment) => {
      expect(script, fragment).toContain(fragment);
      return script.indexOf(fragment);
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The other app keeps what it runs: this workflow must not roll it back to an old tag.
    expect(script).toContain(`get deployment herald-${other}`);
    expect(script).toContain(`"herald-${other}=\${current:-`);
  });
});
