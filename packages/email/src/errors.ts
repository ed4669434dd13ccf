/** A template name that is not in the catalog. */
export class UnknownTemplateError extends Error {
  override name = 'UnknownTemplateError';
  constructor(
    readonly template: string,
    known: readonly string[],
  ) {
    super(`Unknown e-mail template "${template}". Known templates: ${known.join(', ')}`);
  }
}

/** A template whose files are missing, whose MJML is invalid or whose Handlebars does not parse. */
export class TemplateCompileError extends Error {
  override name = 'TemplateCompileError';
  constructor(
    readonly template: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`E-mail template "${template}": ${message}`, options);
  }
}

/** render() before compileAll() finished: a wiring mistake, not a per-mail problem. */
export class RendererNotReadyError extends Error {
  override name = 'RendererNotReadyError';
  constructor() {
    super('TemplateRenderer.render() was called before compileAll() finished');
  }
}

/**
 * The mail could not be sent for a reason that may pass (SMTP 4xx, connection refused, timeout).
 * The delivery stays `pending`; the queue retries the job with backoff.
 */
export class TransientDeliveryError extends Error {
  override name = 'TransientDeliveryError';
  constructor(
    readonly deliveryId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Delivery ${deliveryId} failed and will be retried: ${reason}`, options);
  }
}

/** Describes any thrown value in one line, for logs and the delivery's `reason`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
