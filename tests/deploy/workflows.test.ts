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
  'runs-on'?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
  secrets?: string | Record<string, string>;
  needs?: string | string[];
  environment?: string;
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
  env?: Record<string, string>;
  steps?: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const workflowFiles = listFiles('.github/workflows').filter((file) => /\.ya?ml$/.test(file));
const load = (name: string) => readYaml<Workflow>(`.github/workflows/${name}`);
const runs = (job: Job) => (job.steps ?? []).map((step) => step.run ?? '').join('\n');

describe('.github/workflows', () => {
  it('holds ci, api, worker and the deploy they share, each parsing with triggers and jobs', () => {
    expect(workflowFiles.map((file) => file.split('/').at(-1)).sort()).toEqual([
      'api.yml',
      'ci.yml',
      'deploy.yml',
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
  const steps = job.steps ?? [];

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
    const setupNode = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
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
    const audit = steps.find((step) => step.run?.includes('pnpm audit --prod'))!;
    expect(audit['continue-on-error']).toBe(true);
    expect(audit.run).toMatch(/pnpm audit --prod[^\n]*\|\| status=\$\?/);
  });
});

describe('deploy.yml, the reusable deploy', () => {
  const workflow = load('deploy.yml');
  const jobs = workflow.jobs;
  const stepsOf = (job: Job) => job.steps ?? [];
  const build = Object.values(jobs).find((job) =>
    stepsOf(job).some((step) => step.uses?.startsWith('docker/build-push-action@')),
  )!;
  const deploy = Object.values(jobs).find((job) => runs(job).includes('kubectl apply -k'))!;
  const script = runs(deploy);
  const gateName = Object.keys(jobs).find((name) =>
    runs(jobs[name]!).includes('actions/workflows/ci.yml/runs'),
  )!;

  /** Every job a job waits for, transitively. */
  function ancestors(job: Job): string[] {
    const direct = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    return direct.flatMap((name) => [name, ...ancestors(jobs[name]!)]);
  }

  it('is called with the app, the other app, the environment and the commit', () => {
    const call = workflow.on.workflow_call as { inputs: Record<string, { type: string; required: boolean }> };
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    for (const input of ['app', 'other', 'environment', 'sha'])
      expect(call.inputs[input], input).toMatchObject({ type: 'string', required: true });
  });

  it('cannot build or deploy before it has seen ci succeed on the same commit', () => {
    const gate = runs(jobs[gateName]!);
    expect(gate).toContain('actions/workflows/ci.yml/runs?head_sha=$SHA&status=success');
    expect(gate).toMatch(/-lt 1 \]; then\n\s*echo "::error::[^\n]*"; exit 1/);
    expect(workflow.env?.SHA).toBe('${{ inputs.sha }}');
    expect(load('ci.yml').name).toBe('ci');
    for (const [name, job] of Object.entries(jobs))
      if (name !== gateName) expect(ancestors(job), name).toContain(gateName);
    // What is built and deployed is that commit, not the branch's newest one.
    for (const job of [build, deploy]) {
      const checkout = stepsOf(job).find((step) => step.uses?.startsWith('actions/checkout@'));
      expect(checkout?.with?.ref).toBe('${{ inputs.sha }}');
    }
  });

  it('builds apps/<app>/Dockerfile from the repository root and pushes it to ghcr.io', () => {
    const step = stepsOf(build).find((candidate) => candidate.uses?.startsWith('docker/build-push-action@'))!;
    expect(step.with).toMatchObject({ context: '.', file: 'apps/${{ inputs.app }}/Dockerfile', push: true });
    for (const app of ['api', 'worker']) expect(exists(`apps/${app}/Dockerfile`), app).toBe(true);
    expect(runs(build)).toContain('ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/herald-${APP}:sha-${SHA}');
    expect(stepsOf(build).some((candidate) => candidate.uses?.startsWith('docker/login-action@'))).toBe(true);
  });

  it('deploys in the chosen GitHub environment, whose protection (prd: reviewers) it waits for', () => {
    expect(deploy.environment).toBe('${{ inputs.environment }}');
    expect(deploy.env?.OVERLAY).toBe('k8s/overlays/${{ inputs.environment }}');
    expect(workflow.env?.NAMESPACE).toBe('herald-${{ inputs.environment }}');
    expect(readText('docs/deploy.md')).toMatch(/Protect `prd` with\s+required reviewers/);
  });

  it('creates herald-secrets from GitHub secrets with every key of the template', () => {
    expect(script).toMatch(
      /kubectl create secret generic herald-secrets [^\n]*\\\n\s*--dry-run=client -o yaml \| kubectl apply -f -/,
    );
    const literals = [...script.matchAll(/--from-literal=([A-Z_]+)="\$([A-Z_]+)"/g)];
    expect(literals.map(([, key]) => key).sort()).toEqual([...readSecretTemplate().keys.keys()].sort());
    for (const [, key, variable] of literals) expect(variable, key).toBe(key);
    // Values only ever come from ${{ secrets.* }}, never from the file.
    const step = stepsOf(deploy).find((candidate) => candidate.run?.includes('kubectl create secret'))!;
    for (const [name, value] of Object.entries(step.env ?? {})) expect(value).toBe(`\${{ secrets.${name} }}`);
    expect(script).not.toMatch(/--from-literal=[A-Z_]+=[^"$]/);
  });

  it('sets the new image with kustomize, migrates, applies the overlay and waits for the rollout', () => {
    const order = [
      `kustomize edit set image`,
      `"herald-$APP=$IMAGE"`,
      `"herald-migrate=$IMAGE"`,
      'kubectl --namespace "$NAMESPACE" delete job herald-migrate --ignore-not-found',
      `kubectl apply -k "$OVERLAY" --selector 'app.kubernetes.io/component in (config,migrate)'`,
      'kubectl apply -k "$OVERLAY"\n',
      'rollout status "deployment/herald-$APP"',
    ].map((fragment) => {
      expect(script, fragment).toContain(fragment);
      return script.indexOf(fragment);
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The other app keeps what it runs: this workflow must not roll it back to an old tag.
    expect(script).toContain('get deployment "herald-$OTHER"');
    expect(script).toContain('"herald-$OTHER=${current:-');
  });
});

describe.each(['api', 'worker'])('%s.yml', (app) => {
  const workflow = load(`${app}.yml`);
  const other = app === 'api' ? 'worker' : 'api';
  const jobs = Object.values(workflow.jobs);

  it('runs after ci completes on main, and by hand for dev, stg or prd, each an overlay; never on a bare push', () => {
    expect(workflow.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
    expect(workflow.on).not.toHaveProperty('push');
    const input = (
      workflow.on.workflow_dispatch as { inputs: { environment: { type: string; options: string[] } } }
    ).inputs.environment;
    expect(input.type).toBe('choice');
    expect(input.options).toEqual([...OVERLAYS]);
    for (const environment of input.options)
      expect(exists(`k8s/overlays/${environment}/kustomization.yaml`), environment).toBe(true);
  });

  it('calls deploy.yml with its differences as inputs, only for a successful ci run of a push', () => {
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.uses).toBe('./.github/workflows/deploy.yml');
    expect(job.with).toEqual({
      app,
      other,
      environment: "${{ inputs.environment || 'dev' }}",
      sha: '${{ github.event.workflow_run.head_sha || github.sha }}',
    });
    expect(job.secrets).toBe('inherit');
    expect(job.if).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(job.if).toContain("github.event.workflow_run.event == 'push'");
    expect(workflow.permissions).toMatchObject({ actions: 'read', packages: 'write', contents: 'read' });
  });

  it('is serialised with the other app per environment', () => {
    expect(workflow.concurrency?.group).toBe("deploy-${{ inputs.environment || 'dev' }}");
    expect(workflow.concurrency?.group).toBe(load(`${other}.yml`).concurrency?.group);
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
  });
});
