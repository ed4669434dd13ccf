export interface HttpResult {
  status: number;
  body: string;
  json: any;
  headers: Headers;
  at: number;
}

export interface CallOptions {
  token?: string | null;
  /** Sent as JSON unless it is a string (sent as is) or a Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ServerError {
  method: string;
  path: string;
  status: number;
  body: string;
  at: number;
}

/** fetch, counting what a reliability table reports: requests, answers >= 500, requests with no answer. */
export class HttpClient {
  requests = 0;
  readonly serverErrors: ServerError[] = [];
  readonly networkErrors: { method: string; path: string; message: string; at: number }[] = [];
  readonly statuses = new Map<number, number>();

  async call(
    baseUrl: string,
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<HttpResult | null> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
      else body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token) headers.authorization ??= `Bearer ${options.token}`;
    this.requests++;
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      const at = Date.now();
      this.statuses.set(response.status, (this.statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500)
        this.serverErrors.push({ method, path, status: response.status, body: text.slice(0, 500), at });
      return { status: response.status, body: text, json, headers: response.headers, at };
    } catch (error) {
      this.networkErrors.push({
        method,
        path,
        message: String((error as Error).cause ?? error),
        at: Date.now(),
      });
      return null;
    }
  }
}
