import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BullMQOtel } from 'bullmq-otel';
import type { Config } from '@herald/config';

export type TelemetryConfig = Pick<
  Config,
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_SDK_DISABLED'
>;

type SdkOptions = NonNullable<ConstructorParameters<typeof NodeSDK>[0]>;
export type SpanProcessor = NonNullable<SdkOptions['spanProcessors']>[number];

export interface TelemetryOptions {
  /** service.name unless OTEL_SERVICE_NAME is set. */
  serviceName: string;
  config: TelemetryConfig;
  /** Replace the OTLP exporter (tests pass an in-memory one); tracing is then on whatever the config says. */
  spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  tracingEnabled: boolean;
  /** For BullMQ's `telemetry` option on queues and workers; undefined when tracing is off. */
  bullmqTelemetry: BullMQOtel | undefined;
  /** Flushes pending spans; call it before the process exits. */
  shutdown(): Promise<void>;
}

const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
// Probes and scrapes would otherwise be most of the traces.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// Loaded through `import` from ESM, these CommonJS packages never pass through `require`, where
// the instrumentations hook by default; an ESM loader hook (import-in-the-middle) sees them.
const ESM_HOOKED_MODULES = ['express', 'pg', 'pg-pool'];
let isLoaderHookRegistered = false;

function registerLoaderHook(): void {
  if (isLoaderHookRegistered) return;
  isLoaderHookRegistered = true;
  // Resolved from an instrumentation so the hook is the same import-in-the-middle they use.
  register(
    '@opentelemetry/instrumentation/hook.mjs',
    import.meta.resolve('@opentelemetry/instrumentation-express'),
    {
      data: { include: ESM_HOOKED_MODULES },
    },
  );
}

/** Where OTLP/HTTP traces go, or null when tracing is off (the default). */
export function otlpTracesUrl(config: TelemetryConfig): string | null {
  if (config.OTEL_SDK_DISABLED || config.OTEL_TRACES_EXPORTER === 'none') return null;
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base =
    config.OTEL_EXPORTER_OTLP_ENDPOINT ??
    (config.OTEL_TRACES_EXPORTER === 'otlp' ? DEFAULT_OTLP_ENDPOINT : null);
  // The spec's signal path is appended to the base endpoint, after any path it already has.
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : null;
}

/**
 * Starts OpenTelemetry tracing when the config asks for it: the http, express and pg
 * instrumentations and an OTLP/HTTP exporter. Modules imported before it are not patched:
 * start it first and import the app after (see apps/{api,worker}/src/instrument.ts).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const url = otlpTracesUrl(options.config);
  if (!url && !options.spanProcessors?.length) {
    return { tracingEnabled: false, bullmqTelemetry: undefined, shutdown: async () => {} };
  }
  registerLoaderHook();
  const sdk = new NodeSDK({
    serviceName: options.config.OTEL_SERVICE_NAME ?? options.serviceName,
    ...(options.spanProcessors?.length
      ? { spanProcessors: options.spanProcessors }
      : { traceExporter: new OTLPTraceExporter({ url: url! }) }),
    // Traces only: without these the SDK would also export metrics and logs over OTLP by default.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        // An outgoing call outside any request or job would be a one-span trace of its own.
        requireParentforOutgoingSpans: true,
      }),
      new ExpressInstrumentation(),
      // The outbox sweep polls PostgreSQL on a timer: only queries inside a request or job are traced.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return {
    tracingEnabled: true,
    bullmqTelemetry: new BullMQOtel({ tracerName: 'bullmq' }),
    shutdown: () => sdk.shutdown(),
  };
}
