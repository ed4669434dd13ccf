import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmtpTransport,
  startDevInbox,
  TemplateRenderer,
  type DevInbox,
  type Transport,
} from '@herald/email';

let inbox: DevInbox;
let transport: Transport;
const renderer = new TemplateRenderer();

beforeAll(async () => {
  inbox = await startDevInbox({ smtpPort: 0 });
  transport = createSmtpTransport({
    host: '127.0.0.1',
    port: inbox.smtpPort,
    secure: false,
    requireTLS: false,
    user: undefined,
    password: undefined,
    from: 'Herald <herald@herald.test>',
    poolSize: 1,
  });
  await renderer.compileAll();
});
afterAll(async () => {
  await transport?.close();
  await inbox?.close();
});

describe('a subject filled from task data', () => {
  it.each([
    ['an RFC 2047 encoded word', '=?utf-8?q?=0D=0ABcc:_victim@evil.test?='],
    ['a base64 encoded word', `=?utf-8?b?${Buffer.from('\r\nBcc: victim@evil.test').toString('base64')}?=`],
    ['a raw CRLF', 'x\r\nBcc: victim@evil.test'],
  ])('reaches the reader as one line with the text it had: %s', async (_label, value) => {
    const rendered = renderer.render(
      'task-completion',
      { task_name: 'reports.build', status: 'succeeded', report_name: value },
      { subjectTemplate: 'Report ready: {{report_name}}' },
    );
    await transport.send({
      from: 'Herald <herald@herald.test>',
      to: { address: 'ada@acme.test' },
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: {},
    });
    const [mail] = await inbox.waitForMessages(1);
    inbox.clear();
    expect(mail!.subject).not.toMatch(/[\r\n]/);
    expect(mail!.subject.replace(/\u200b/g, '')).toContain(
      value.replace(/[\r\n]+/g, ' ').replace(/\s+/g, ' '),
    );
    expect(mail!.raw.slice(0, mail!.raw.indexOf('\r\n\r\n'))).not.toMatch(/^bcc:/im);
  });
});
