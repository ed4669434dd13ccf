import { describe, expect, it } from 'vitest';
import { loadConfig } from '@herald/config';
import { otlpTracesUrl, startTelemetry } from './telemetry';

const configOf = (env: Record<string, string>) => loadConfig(env);

describe('otlpTracesUrl', () => {
  it('is off by default', () => {
    expect(otlpTracesUrl(configOf({}))).toBeNull();
  });

  it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, after any path it has', () => {
    expect(otlpTracesUrl(configOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(otlpTracesUrl(configOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp/' }))).toBe(
      'https://otel.example.com/otlp/v1/traces',
    );
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, and the local collector for OTEL_TRACES_EXPORTER=otlp', () => {
    expect(
      otlpTracesUrl(
        configOf({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/traces',
        }),
      ),
    ).toBe('http://b/traces');
    expect(otlpTracesUrl(configOf({ OTEL_TRACES_EXPORTER: 'otlp' }))).toBe('http://localhost:4318/v1/traces');
  });

  it('is off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, endpoint or not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(otlpTracesUrl(configOf({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }))).toBeNull();
    expect(otlpTracesUrl(configOf({ ...endpoint, OTEL_SDK_DISABLED: 'true' }))).toBeNull();
  });

  it('names a bad variable at start', () => {
    expect(() => configOf({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(
      /OTEL_TRACES_EXPORTER: expected "otlp" or "none"/,
    );
    expect(() => configOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});

describe('startTelemetry', () => {
  it('starts nothing when tracing is off: no BullMQ telemetry, nothing to flush', async () => {
    const telemetry = startTelemetry({ serviceName: 'herald-test', config: configOf({}) });
    expect(telemetry.tracingEnabled).toBe(false);
    expect(telemetry.bullmqTelemetry).toBeUndefined();
    await telemetry.shutdown();
  });
});
