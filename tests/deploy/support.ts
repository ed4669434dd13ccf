// Shared by the deployment tests: file access, YAML, kustomize rendering, and the view of
// Herald's configuration (packages/config) the deployment files must satisfy.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { envSchema } from '../../packages/config/src/schema.ts';
import { NOTIFICATIONS_QUEUE, TASKS_QUEUE } from '../../packages/core/src/constants.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const OVERLAYS = ['dev', 'stg', 'prd'] as const;

/**
 * What Herald needs from its environment in production. Some have a schema default, but
 * a default such as redis://127.0.0.1 or smtp "Herald <no-reply@herald.local>" is never
 * right in a deployment, so every one of these must be provided explicitly.
 */
export const REQUIRED_IN_PRODUCTION = [
  'REDIS_URL',
  'DATABASE_URL',
  'HERALD_SECRET',
  'SMTP_HOST',
  'SMTP_PORT',
  'SMTP_USER',
  'SMTP_PASSWORD',
  'SMTP_FROM',
  'PUBLIC_API_URL',
] as const;

/** Variables read by the OpenTelemetry SDK itself, not by packages/config. */
export const NON_SCHEMA_VARIABLES = /^OTEL_[A-Z_]+$/;

/** The BullMQ queues the worker consumes, whose backlog KEDA watches. */
export const QUEUES = [TASKS_QUEUE, NOTIFICATIONS_QUEUE] as const;

export type EnvName = keyof typeof envSchema.shape;

export const SCHEMA_VARIABLES = new Set(Object.keys(envSchema.shape));

export function isKnownVariable(name: string): boolean {
  return SCHEMA_VARIABLES.has(name) || NON_SCHEMA_VARIABLES.test(name);
}

/** The schema's default for a variable, as the string an environment would hold. */
export function schemaDefault(name: EnvName): string {
  const value: unknown = envSchema.shape[name].parse(undefined);
  return String(value);
}

export function readText(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

export function exists(relative: string): boolean {
  return existsSync(path.join(ROOT, relative));
}

export function readYaml<T = unknown>(relative: string): T {
  // Compose files use `<<:` merge keys, which YAML 1.2 leaves off by default.
  return parse(readText(relative), { merge: true }) as T;
}

export function parseYamlDocuments(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text, { merge: true }).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors[0]!.message}`);
    const value = document.toJS() as K8sObject | null;
    return value ? [value] : [];
  });
}

/** Every file under a directory, relative to the repository root. */
export function listFiles(relativeDirectory: string): string[] {
  const absolute = path.join(ROOT, relativeDirectory);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((entry) => {
    const relative = path.posix.join(relativeDirectory, entry);
    return statSync(path.join(ROOT, relative)).isDirectory() ? listFiles(relative) : [relative];
  });
}

export function packageManagerVersion(): string {
  const manifest = JSON.parse(readText('package.json')) as { packageManager: string };
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(manifest.packageManager);
  if (!match) throw new Error(`package.json packageManager is not pnpm@x.y.z: ${manifest.packageManager}`);
  return match[1]!;
}

// ---- Kubernetes ---------------------------------------------------------------------------

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function findKubectl(): string | null {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return 'kubectl';
  } catch {
    return null;
  }
}

export const KUBECTL = findKubectl();

/** `kubectl kustomize <dir>`: the objects an apply of that directory would send. */
export function renderKustomization(relativeDirectory: string): K8sObject[] {
  if (!KUBECTL) throw new Error('kubectl is not on PATH');
  const output = execFileSync(KUBECTL, ['kustomize', path.join(ROOT, relativeDirectory)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseYamlDocuments(output, relativeDirectory);
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      configMapKeyRef?: { name: string; key: string; optional?: boolean };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
}

export interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
}

export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

export function findObject<T extends K8sObject = K8sObject>(
  objects: K8sObject[],
  kind: string,
  name: string,
): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found as T;
}

export interface SecretTemplate {
  name: string;
  keys: Map<string, string>;
}

export function readSecretTemplate(): SecretTemplate {
  const [secret] = parseYamlDocuments(
    readText('k8s/base/secret.example.yaml'),
    'secret.example.yaml',
  ) as (K8sObject & {
    stringData?: Record<string, string>;
  })[];
  if (!secret) throw new Error('k8s/base/secret.example.yaml is empty');
  return { name: secret.metadata.name, keys: new Map(Object.entries(secret.stringData ?? {})) };
}

/**
 * The environment a container starts with: envFrom first, then env (later wins, as in
 * Kubernetes). ConfigMaps come from the rendered objects; Secret values from the template.
 * Throws when a reference cannot be satisfied (a missing ConfigMap, a missing Secret key).
 */
export function resolveContainerEnv(
  container: Container,
  objects: K8sObject[],
  secret: SecretTemplate,
): Map<string, string> {
  const env = new Map<string, string>();
  const configMap = (name: string): Record<string, string> =>
    findObject<K8sObject & { data?: Record<string, string> }>(objects, 'ConfigMap', name).data ?? {};
  const secretValue = (name: string, key: string): string | undefined => {
    if (name !== secret.name) throw new Error(`${container.name} reads unknown Secret ${name}`);
    return secret.keys.get(key);
  };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef)
      for (const [key, value] of Object.entries(configMap(source.configMapRef.name))) env.set(key, value);
    if (source.secretRef) {
      if (source.secretRef.name !== secret.name)
        throw new Error(`${container.name} reads unknown Secret ${source.secretRef.name}`);
      for (const [key, value] of secret.keys) env.set(key, value);
    }
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env.set(entry.name, entry.value);
      continue;
    }
    const secretRef = entry.valueFrom?.secretKeyRef;
    const configMapRef = entry.valueFrom?.configMapKeyRef;
    const ref = secretRef ?? configMapRef;
    if (!ref) continue;
    const value = secretRef ? secretValue(ref.name, ref.key) : configMap(ref.name)[ref.key];
    if (value === undefined) {
      if (ref.optional) continue;
      throw new Error(`${container.name}: ${entry.name} refers to missing key ${ref.key} of ${ref.name}`);
    }
    env.set(entry.name, value);
  }
  return env;
}

/** A probe's or Service's port, named or numbered, as the container port number. */
export function resolvePort(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

// ---- Compose ------------------------------------------------------------------------------

/** Compose interpolation with an empty shell: `${VAR:-default}` -> default, `${VAR}` -> ''. */
export function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_match, name: string, operator?: string, word?: string) => {
      if (operator?.endsWith('?')) throw new Error(`\${${name}} is required: ${word ?? ''}`);
      return operator ? (word ?? '') : '';
    },
  );
}

// ---- Dockerfile ---------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, continuations joined). */
export function parseDockerfile(text: string): { preamble: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole) logical.push(whole);
  }
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [from = '', , name] = instruction.args.replace(/--platform=\S+\s+/, '').split(' ');
      stages.push({ name, from, instructions: [] });
    } else if (stages.length === 0) {
      preamble.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { preamble, stages };
}

/** Exec-form arguments (`["a", "b"]`) of CMD, ENTRYPOINT or HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const start = args.indexOf('[');
  if (start < 0) throw new Error(`not exec form: ${args}`);
  return JSON.parse(args.slice(start)) as string[];
}

/**
 * Whether .dockerignore keeps `relative` out of the build context. Patterns follow Docker's
 * rules closely enough for this repository: `*`, `**`, a leading `/`, `!` exceptions and
 * last match wins.
 */
export function isDockerIgnored(relative: string, dockerignore: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      const source = pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  // As moby's patternmatcher: a rule applies when it matches the path or one of its parents.
  const parts = relative.split('/');
  const candidates = parts.map((_part, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const rule of rules)
    if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negate;
  return ignored;
}
