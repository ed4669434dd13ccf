import { createServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ReceivedMail } from './received-mail';

export interface InboxHttp {
  url: string;
  close(): Promise<void>;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(body);
}

function listPage(messages: ReceivedMail[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (mail) =>
        `<tr><td>${mail.receivedAt.toISOString().slice(11, 19)}</td><td>${escapeHtml(mail.to.join(', '))}</td>` +
        `<td><a href="/messages/${mail.id}">${escapeHtml(mail.subject || '(no subject)')}</a></td>` +
        `<td><a href="/messages/${mail.id}/text">text</a></td></tr>`,
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Herald dev inbox</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1f2328}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:6px 10px;border-bottom:1px solid #eaeef2}th{color:#59636e;font-weight:600}</style></head>
<body><h1>Herald dev inbox</h1><p>${messages.length} message(s). JSON at <a href="/api/messages">/api/messages</a>.</p>
<table><tr><th>Received (UTC)</th><th>To</th><th>Subject</th><th></th></tr>${rows}</table></body></html>`;
}

/** The dev inbox's web view: `/` lists mails, `/messages/:id[/text]` shows one, `/api/messages` is JSON. */
export async function startInboxHttp(
  messages: ReceivedMail[],
  port: number,
  host: string,
): Promise<InboxHttp> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://inbox').pathname;
    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'Method not allowed');
    if (path === '/') return send(response, 200, 'text/html', listPage(messages));
    if (path === '/api/messages') {
      const list = messages.map(({ raw: _raw, ...mail }) => mail);
      return send(response, 200, 'application/json', JSON.stringify({ messages: list }));
    }
    const match = /^\/messages\/(\d+)(\/text)?$/.exec(path);
    const mail = match ? messages.find((entry) => entry.id === Number(match[1])) : undefined;
    if (!mail) return send(response, 404, 'text/plain', 'Not found');
    if (match?.[2]) return send(response, 200, 'text/plain', mail.text);
    // A received mail is untrusted HTML: show it sandboxed, without scripts, on the inbox's origin.
    return send(response, 200, 'text/html', mail.html, {
      'content-security-policy': 'sandbox; script-src none',
    });
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
