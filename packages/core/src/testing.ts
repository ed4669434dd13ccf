import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from './telemetry';

// Tests compare span kinds without depending on @opentelemetry/api themselves.
export { SpanKind } from '@opentelemetry/api';

/**
 * For tests: a span processor that keeps every ended span in memory, to pass to
 * startTelemetry({ spanProcessors }). Exported as @herald/core/testing, never from the barrel.
 */
export function createInMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  // Simple, not batched: a span is readable as soon as it ends.
  const spanProcessor: SpanProcessor = new SimpleSpanProcessor(exporter);
  return { exporter, spanProcessor };
}
