import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { OutgoingMail, SentMail, Transport } from './transport';

// A proxy until an SDK registers a provider, and a no-op for good when tracing is off.
const tracer = trace.getTracer('@herald/email');

export interface SendSpanDetails {
  deliveryId: string;
  runId: string;
  template: string;
  attempt: number;
}

function field(error: unknown, key: string): unknown {
  return error && typeof error === 'object' ? (error as Record<string, unknown>)[key] : undefined;
}

/**
 * Sends through `transport` inside an `smtp.send` span, a child of the active span (the
 * notification job's, which continues the trace of the run that enqueued it).
 * Rule: no attribute carries the recipient, the subject, the body or a credential.
 */
export function sendTraced(
  transport: Transport,
  mail: OutgoingMail,
  details: SendSpanDetails,
): Promise<SentMail> {
  const attributes = {
    'herald.delivery.id': details.deliveryId,
    'herald.run.id': details.runId,
    'herald.template': details.template,
    'herald.delivery.attempt': details.attempt,
  };
  return tracer.startActiveSpan('smtp.send', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await transport.send(mail);
    } catch (error) {
      // An SMTP reply quotes the mailbox ("550 <ada@acme.test>: unknown user"): keep the codes, never the message.
      const code = field(error, 'code');
      const responseCode = field(error, 'responseCode');
      span.setAttribute(
        'error.type',
        typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown',
      );
      if (typeof responseCode === 'number') span.setAttribute('smtp.response_code', responseCode);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
