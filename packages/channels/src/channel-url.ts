import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Channel URLs come from tenants, and the worker POSTs to them from inside Herald's network.
 * Unless an operator allows it (CHANNEL_ALLOW_PRIVATE_URLS, for a self-hosted receiver), a URL
 * may lead only to a public address: never loopback, private, link-local (cloud metadata) or
 * reserved ones. Checked twice: when the URL is stored (an address written in the URL), and
 * on every send, on the address the name resolves to as the connection is made, so a name
 * that resolves somewhere else later (DNS rebinding) is refused too.
 */
export interface ChannelUrlPolicy {
  allowPrivateUrls: boolean;
}

export const PRIVATE_URL_REASON = 'the channel URL leads to a private or reserved network address';

/** Why this URL may not be stored, or null when it may. */
export function refusedChannelUrl(url: string, policy: ChannelUrlPolicy): string | null {
  if (policy.allowPrivateUrls) return null;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return 'expected an http(s) URL';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return PRIVATE_URL_REASON;
  if (!ipaddr.isValid(host)) return null;
  const address = ipaddr.process(host);
  return address.range() === 'unicast' ? null : PRIVATE_URL_REASON;
}

/** True for the error of a connection the policy refused. */
export function isRefusedAddress(error: unknown): boolean {
  return error instanceof Error && /is not allowed\. Because/.test(error.message);
}

const REQUEST_TIMEOUT_MS = 10_000;

/** POSTs JSON to channel URLs through agents that refuse what the policy forbids. */
export class ChannelHttp {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(policy: ChannelUrlPolicy) {
    const filter = { allowPrivateIPAddress: policy.allowPrivateUrls, keepAlive: true };
    this.agents = {
      http: new RequestFilteringHttpAgent(filter),
      https: new RequestFilteringHttpsAgent(filter),
    };
  }

  /** The receiver's status code; rejects on a network error, a refused address or a timeout. */
  postJson(url: string, body: unknown): Promise<number> {
    return this.post(url, JSON.stringify(body));
  }

  /** POSTs a JSON text as it is (a signature covers these exact bytes), with extra headers. */
  post(url: string, payload: string, headers: Record<string, string> = {}): Promise<number> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (isHttps ? https : http).request(
        target,
        {
          method: 'POST',
          agent: isHttps ? this.agents.https : this.agents.http,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          // Only the status matters; the body is read and dropped so the connection can be reused.
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
