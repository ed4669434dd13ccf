import type { DevInbox } from '@herald/email';

/** A browser-like client of the console: keeps its cookies, follows nothing by itself. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, form?: Record<string, string>): Promise<Response> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, form: Record<string, string>) {
    return this.request('POST', path, form);
  }

  /** The CSRF token of the page at path. */
  async csrf(path = '/app/preferences'): Promise<string> {
    const html = await (await this.get(path)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path}`);
    return token;
  }
}

/** The path of the console link in a mail's text, whatever host the mail names. */
export function consolePathIn(text: string, pattern = /https?:\/\/\S+?(\/app\/[^\s)\]>"]+)/): string {
  const path = pattern.exec(text)?.[1];
  if (!path) throw new Error(`no console link in:\n${text}`);
  return path;
}

/** Asks for a sign-in link for `email`, reads it from the inbox; returns the link's path. */
export async function mailedSignInPath(
  client: ConsoleClient,
  inbox: DevInbox,
  email: string,
): Promise<string> {
  const before = inbox.messages.length;
  const asked = await client.post('/app/sign-in', { email });
  if (asked.status !== 200) throw new Error(`sign-in request answered ${asked.status}`);
  const deadline = Date.now() + 10_000;
  let mail;
  while (
    !(mail = inbox.messages
      .slice(before)
      .find((entry) => entry.to.includes(email) && entry.subject.includes('sign-in')))
  ) {
    if (Date.now() > deadline) throw new Error(`no sign-in mail for ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return consolePathIn(mail.text, /https?:\/\/\S+?(\/app\/sign-in\/[A-Za-z0-9_-]+)/);
}

/** Signs the client in through a mailed link; the client then holds a session cookie. */
export async function signIn(client: ConsoleClient, inbox: DevInbox, email: string): Promise<void> {
  const path = await mailedSignInPath(client, inbox, email);
  const used = await client.post(path, {});
  if (used.status !== 303) throw new Error(`sign-in link answered ${used.status}`);
}
