// k8s/: every object validates against the Kubernetes schemas, and what kustomize renders
// for each overlay starts Herald correctly: complete configuration, probes on real routes,
// non-root pods, a worker that may drain, autoscaling that watches the right Redis lists.
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/config/src/load-config.ts';
import { queuePrefix } from '../../packages/core/src/redis.ts';
import {
  KUBECTL,
  OVERLAYS,
  QUEUES,
  REQUIRED_IN_PRODUCTION,
  findObject,
  isKnownVariable,
  listFiles,
  parseYamlDocuments,
  readSecretTemplate,
  readText,
  readYaml,
  renderKustomization,
  resolveContainerEnv,
  resolvePort,
  schemaDefault,
  type Container,
  type K8sObject,
  type Workload,
} from './support.ts';

const API = 'herald-api';
const WORKER = 'herald-worker';
const MIGRATE = 'herald-migrate';
/** After the drain (worker) or the forced stop (api), closing Redis and PostgreSQL takes a moment. */
const SHUTDOWN_MARGIN_SECONDS = 5;

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};
/** KEDA's custom resources: kubernetes-models has no schema for them; checked field by field below. */
const CUSTOM_RESOURCES = new Set(['keda.sh/v1alpha1/ScaledObject', 'keda.sh/v1alpha1/TriggerAuthentication']);

function validate(object: K8sObject): void {
  const type = `${object.apiVersion}/${object.kind}`;
  if (CUSTOM_RESOURCES.has(type)) return;
  const model = MODELS[type];
  if (!model) throw new Error(`${type} ${object.metadata.name}: no schema mapped in k8s.test.ts; add one`);
  new model(object as never).validate();
}

const secret = readSecretTemplate();

/** Manifests of the base, as written (kustomization.yaml and the env file are not objects). */
function baseManifests(): { file: string; objects: K8sObject[] }[] {
  return listFiles('k8s/base')
    .filter((file) => file.endsWith('.yaml') && !file.endsWith('kustomization.yaml'))
    .map((file) => ({ file, objects: parseYamlDocuments(readText(file), file) }));
}

interface ScaledObject extends K8sObject {
  spec: {
    scaleTargetRef: { name: string; kind?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
  };
}

interface TriggerAuthentication extends K8sObject {
  spec: { secretTargetRef: { parameter: string; name: string; key: string }[] };
}

/** Every Secret key the manifests read, and whether a missing key would be tolerated. */
function secretReferences(objects: K8sObject[]): Map<string, boolean> {
  const references = new Map<string, boolean>();
  for (const object of objects) {
    if (object.kind === 'TriggerAuthentication') {
      for (const ref of (object as TriggerAuthentication).spec.secretTargetRef)
        references.set(ref.key, false);
    }
    const pod = (object as Workload).spec?.template?.spec;
    for (const container of pod?.containers ?? []) {
      for (const entry of container.env ?? []) {
        const ref = entry.valueFrom?.secretKeyRef;
        if (ref) references.set(ref.key, (references.get(ref.key) ?? true) && ref.optional === true);
      }
    }
  }
  return references;
}

describe('k8s/base as written', () => {
  it('every object validates against its Kubernetes schema', () => {
    const manifests = baseManifests();
    expect(manifests.length).toBeGreaterThan(5);
    for (const { file, objects } of manifests) {
      for (const object of objects) expect(() => validate(object), `${file}: ${object.kind}`).not.toThrow();
    }
  });

  it('the Secret template holds placeholders only, never real values', () => {
    const [object] = parseYamlDocuments(readText('k8s/base/secret.example.yaml'), 'secret.example.yaml');
    expect(object).toMatchObject({ kind: 'Secret', metadata: { name: 'herald-secrets' } });
    expect(object).not.toHaveProperty('data');
    for (const [key, value] of secret.keys) {
      expect(value === '' || value === 'disable' || value.includes('CHANGE_ME'), `${key}: ${value}`).toBe(
        true,
      );
    }
  });

  it('the Secret template is in no kustomization', () => {
    const kustomizations = listFiles('k8s').filter((file) => file.endsWith('kustomization.yaml'));
    // base, the environments, and the postgres-queues variant.
    expect(kustomizations.length).toBe(2 + OVERLAYS.length);
    for (const file of kustomizations) {
      // Comments are dropped by the parser: only real references count.
      expect(JSON.stringify(readYaml(file)), file).not.toContain('secret.example');
    }
  });

  it('the Secret template has exactly the keys the manifests read', () => {
    const references = secretReferences(baseManifests().flatMap(({ objects }) => objects));
    expect([...secret.keys.keys()].sort()).toEqual([...references.keys()].sort());
    expect(references.get('ADMIN_TOKEN'), 'ADMIN_TOKEN is optional').toBe(true);
  });

  it('the ConfigMap holds settings Herald reads and no secrets', () => {
    const keys = readText('k8s/base/config.env')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.slice(0, line.indexOf('=')));
    for (const key of keys) {
      expect(isKnownVariable(key), key).toBe(true);
      expect(secret.keys.has(key), `${key} belongs to the Secret`).toBe(false);
    }
  });
});

/** What a team puts in config.env in place of the template's example sender. */
const OWN_SENDER = { SMTP_FROM: 'Herald <no-reply@notifications.acme-corp.com>' };

const targets = ['k8s/base', ...OVERLAYS.map((environment) => `k8s/overlays/${environment}`)];

if (!KUBECTL) {
  it.skip('kubectl is not on PATH: the overlays were not rendered (install kubectl to check them)', () => {});
}

for (const target of targets) {
  const environment = target.startsWith('k8s/overlays/') ? target.slice('k8s/overlays/'.length) : null;

  describe.skipIf(!KUBECTL)(`kubectl kustomize ${target}`, () => {
    let rendered: K8sObject[] | undefined;
    const objects = (): K8sObject[] => (rendered ??= renderKustomization(target));
    const deployment = (name: string) => findObject<Workload>(objects(), 'Deployment', name);
    const container = (workload: Workload): Container => {
      expect(workload.spec.template.spec.containers).toHaveLength(1);
      return workload.spec.template.spec.containers[0]!;
    };
    const envOf = (workload: Workload) => resolveContainerEnv(container(workload), objects(), secret);
    const setting = (env: Map<string, string>, name: Parameters<typeof schemaDefault>[0]) =>
      env.get(name) ?? schemaDefault(name);

    it('renders objects that all validate (KEDA resources checked by hand)', () => {
      for (const object of objects())
        expect(() => validate(object), `${object.kind}/${object.metadata.name}`).not.toThrow();
    });

    it('contains no Secret: its values never come from the repository', () => {
      expect(objects().filter((object) => object.kind === 'Secret')).toEqual([]);
    });

    it.each([API, WORKER])('%s gets every variable production needs and passes loadConfig', (name) => {
      const workload = deployment(name);
      const env = envOf(workload);
      for (const key of REQUIRED_IN_PRODUCTION) expect(env.has(key), `${name} ${key}`).toBe(true);
      for (const key of env.keys()) expect(isKnownVariable(key), `${name} ${key}`).toBe(true);
      // Without FRONTEND_URL, "View results" opens the run console served by the API itself.
      expect(env.has('FRONTEND_URL'), `${name} FRONTEND_URL`).toBe(false);
      expect(env.get('NODE_ENV')).toBe('production');
      // The template's sender is a placeholder that production refuses until a team sets its own.
      expect(() => loadConfig(Object.fromEntries(env))).toThrow(
        /SMTP_FROM: expected a sender on a real domain/,
      );
      const config = loadConfig({ ...Object.fromEntries(env), ...OWN_SENDER });
      expect(config.smtpProblem).toBeNull();
    });

    it('the migration Job has what `herald migrate` needs, and keeps the image entrypoint', () => {
      const job = findObject<Workload>(objects(), 'Job', MIGRATE);
      const migrate = container(job);
      expect(migrate.command, 'args, not command: tini stays PID 1').toBeUndefined();
      expect(migrate.args).toEqual([
        'node',
        '--conditions=herald-compiled',
        '/app/apps/cli/dist/main.js',
        'migrate',
      ]);
      expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
      const env = envOf(job);
      expect(env.has('DATABASE_URL')).toBe(true);
      expect(() => loadConfig({ ...Object.fromEntries(env), ...OWN_SENDER })).not.toThrow();
    });

    it('the api probes /healthz and /readyz on the container port that matches PORT', () => {
      const api = container(deployment(API));
      const port = Number(setting(envOf(deployment(API)), 'PORT'));
      expect(api.ports?.map((candidate) => candidate.containerPort)).toEqual([port]);
      expect(api.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(api.readinessProbe?.httpGet?.path).toBe('/readyz');
      for (const probe of [api.livenessProbe, api.readinessProbe, api.startupProbe]) {
        expect(resolvePort(api, probe!.httpGet!.port)).toBe(port);
      }
    });

    it('the worker probes its health port and has no Service', () => {
      const worker = container(deployment(WORKER));
      const port = Number(setting(envOf(deployment(WORKER)), 'WORKER_HEALTH_PORT'));
      expect(port).toBeGreaterThan(0);
      expect(worker.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(worker.readinessProbe?.httpGet?.path).toBe('/readyz');
      for (const probe of [worker.livenessProbe, worker.readinessProbe, worker.startupProbe]) {
        expect(resolvePort(worker, probe!.httpGet!.port)).toBe(port);
      }
      const services = objects().filter((object) => object.kind === 'Service') as (K8sObject & {
        spec: { selector: Record<string, string> };
      })[];
      const workerLabels = deployment(WORKER).spec.template.metadata.labels;
      for (const service of services) {
        const selectsWorker = Object.entries(service.spec.selector).every(
          ([key, value]) => workerLabels[key] === value,
        );
        expect(selectsWorker, service.metadata.name).toBe(false);
      }
    });

    it('the api may finish in-flight requests after its preStop pause before Kubernetes kills it', () => {
      const workload = deployment(API);
      const graceSeconds = Number(setting(envOf(workload), 'SHUTDOWN_GRACE_MS')) / 1000;
      const preStop = container(workload).lifecycle?.preStop?.exec?.command ?? [];
      const pauseSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
      const termination = workload.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      expect(termination).toBeGreaterThanOrEqual(pauseSeconds + graceSeconds + SHUTDOWN_MARGIN_SECONDS);
    });

    it('the worker may drain for SHUTDOWN_GRACE_MS before Kubernetes kills it', () => {
      const workload = deployment(WORKER);
      const graceSeconds = Number(setting(envOf(workload), 'SHUTDOWN_GRACE_MS')) / 1000;
      const termination = workload.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      expect(termination).toBeGreaterThanOrEqual(graceSeconds + SHUTDOWN_MARGIN_SECONDS);
    });

    it('every pod runs as non-root, without privilege escalation, with resources set', () => {
      const workloads = objects().filter(
        (object) => object.kind === 'Deployment' || object.kind === 'Job',
      ) as Workload[];
      expect(workloads).toHaveLength(3);
      for (const workload of workloads) {
        const pod = workload.spec.template.spec;
        expect(pod.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
        expect(pod.securityContext?.runAsUser, workload.metadata.name).toBeGreaterThan(0);
        for (const each of pod.containers) {
          expect(each.securityContext?.runAsNonRoot ?? true).toBe(true);
          expect(each.securityContext?.runAsUser ?? 1).toBeGreaterThan(0);
          expect(each.securityContext?.allowPrivilegeEscalation).toBe(false);
          expect(each.resources?.requests?.cpu, `${each.name} cpu request`).toBeDefined();
          expect(each.resources?.requests?.memory, `${each.name} memory request`).toBeDefined();
          expect(each.resources?.limits?.memory, `${each.name} memory limit`).toBeDefined();
        }
      }
    });

    it('the api Service reaches the api pods on their http port', () => {
      const service = findObject<
        K8sObject & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }
      >(objects(), 'Service', API);
      const labels = deployment(API).spec.template.metadata.labels;
      for (const [key, value] of Object.entries(service.spec.selector)) expect(labels[key]).toBe(value);
      for (const port of service.spec.ports)
        expect(resolvePort(container(deployment(API)), port.targetPort)).toBeDefined();
    });

    it('the api scales on CPU with an HPA, within bounds, from CPU requests', () => {
      const hpa = findObject<
        K8sObject & {
          spec: {
            scaleTargetRef: { kind: string; name: string };
            minReplicas: number;
            maxReplicas: number;
            metrics: { resource?: { name: string } }[];
          };
        }
      >(objects(), 'HorizontalPodAutoscaler', API);
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: API });
      expect(hpa.spec.metrics.map((metric) => metric.resource?.name)).toContain('cpu');
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      expect(container(deployment(API)).resources?.requests?.cpu).toBeDefined();
    });

    it('KEDA scales the worker Deployment on the BullMQ wait lists of both queues', () => {
      const scaled = findObject<ScaledObject>(objects(), 'ScaledObject', WORKER);
      expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
      expect(scaled.spec.scaleTargetRef.name).toBe(deployment(WORKER).metadata.name);
      expect(scaled.spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
      // A worker promotes delayed and scheduled jobs to the wait list: zero workers would never scale up.
      expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(scaled.spec.maxReplicaCount).toBeGreaterThanOrEqual(scaled.spec.minReplicaCount!);

      // The prefix the worker really uses (braced on a Redis Cluster), from its own config.
      const config = loadConfig({ ...Object.fromEntries(envOf(deployment(WORKER))), ...OWN_SENDER });
      const prefix = queuePrefix(config);
      const cluster = config.REDIS_CLUSTER;
      expect(scaled.spec.triggers.map((trigger) => trigger.metadata.listName).sort()).toEqual(
        QUEUES.map((queue) => `${prefix}:${queue}:wait`).sort(),
      );
      for (const trigger of scaled.spec.triggers) {
        expect(trigger.type).toBe(cluster ? 'redis-cluster' : 'redis');
        expect(Number(trigger.metadata.listLength)).toBeGreaterThan(0);
        const auth = findObject<TriggerAuthentication>(
          objects(),
          'TriggerAuthentication',
          trigger.authenticationRef!.name,
        );
        for (const ref of auth.spec.secretTargetRef) {
          expect(ref.name).toBe(secret.name);
          expect(secret.keys.has(ref.key), ref.key).toBe(true);
        }
        expect(auth.spec.secretTargetRef.map((ref) => ref.parameter)).toContain(
          cluster ? 'addresses' : 'address',
        );
      }
    });

    it('autoscaled Deployments leave replicas to their autoscaler', () => {
      expect(deployment(API).spec.replicas).toBeUndefined();
      expect(deployment(WORKER).spec.replicas).toBeUndefined();
    });

    it('each PodDisruptionBudget selects the pods of a Deployment and allows a drain', () => {
      const budgets = objects().filter((object) => object.kind === 'PodDisruptionBudget') as (K8sObject & {
        spec: {
          maxUnavailable?: number;
          minAvailable?: number;
          selector: { matchLabels: Record<string, string> };
        };
      })[];
      expect(budgets.map((budget) => budget.metadata.name).sort()).toEqual([API, WORKER]);
      for (const budget of budgets) {
        const labels = deployment(budget.metadata.name).spec.template.metadata.labels;
        for (const [key, value] of Object.entries(budget.spec.selector.matchLabels))
          expect(labels[key]).toBe(value);
        expect(budget.spec.maxUnavailable ?? 0).toBeGreaterThanOrEqual(1);
      }
    });

    if (environment) {
      it(`puts everything in the namespace herald-${environment}, with restricted pod security`, () => {
        const namespace = `herald-${environment}`;
        const namespaceObject = findObject(objects(), 'Namespace', namespace);
        expect(namespaceObject.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
        for (const object of objects().filter((candidate) => candidate.kind !== 'Namespace')) {
          expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(namespace);
        }
      });

      it('pulls registry images with an explicit tag', () => {
        const images = (
          objects().filter((object) => object.kind === 'Deployment' || object.kind === 'Job') as Workload[]
        ).map((workload) => [workload.metadata.name, container(workload).image] as const);
        for (const [name, image] of images) {
          expect(image, name).toMatch(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+:[\w.-]+$/);
        }
        expect(container(deployment(API)).image).toContain('/herald-api:');
        expect(container(deployment(WORKER)).image).toContain('/herald-worker:');
        // The Job runs the compiled CLI from an app image (both hold it).
        const job = container(findObject<Workload>(objects(), 'Job', MIGRATE)).image;
        expect(job.replace(/:[^:/]+$/, '')).toMatch(/\/herald-(api|worker)$/);
      });
    }
  });
}

describe('the postgres-queues overlay', () => {
  const dir = 'k8s/overlays/postgres-queues';
  const text = listFiles(dir)
    .map((file) => readText(file))
    .join('\n');

  it('sets QUEUE_BACKEND=postgres and scales the worker on the waiting jobs in PostgreSQL', () => {
    expect(text).toContain('QUEUE_BACKEND=postgres');
    expect(text).toMatch(/type: postgresql/);
    expect(text).toContain("queue = 'tasks'");
    expect(text).toContain("queue = 'notifications'");
  });
});
