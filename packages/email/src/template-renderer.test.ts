import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateCompileError, UnknownTemplateError } from './errors';
import { TEMPLATE_NAMES } from './template-catalog';
import { TemplateRenderer } from './template-renderer';
import { DEFAULT_TEMPLATES_DIR } from './template-source';

const NOT_SHOWN = /undefined|null|N\/A|\[object Object\]|\{\{/;

let renderer: TemplateRenderer;
const scratchDirs: string[] = [];

beforeAll(async () => {
  renderer = new TemplateRenderer();
  await renderer.compileAll();
});

afterAll(async () => {
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the templates with one file replaced, for the compile-error cases. */
async function templatesWith(file: string, edit: (source: string) => string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'herald-templates-'));
  scratchDirs.push(dir);
  await cp(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
  const target = path.join(dir, file);
  await writeFile(target, edit(await readFile(target, 'utf8')));
  return dir;
}

describe('previews', () => {
  it.each(TEMPLATE_NAMES.map((name) => [name]))(
    '%s renders HTML and text from sample data, with nothing unfilled',
    (name) => {
      const html = renderer.renderPreview(name, { format: 'html' });
      const text = renderer.renderPreview(name, { format: 'text' });
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).not.toMatch(NOT_SHOWN);
      expect(text).not.toMatch(NOT_SHOWN);
      expect(text).not.toContain('<');
      expect(html).toContain('Unsubscribe from task e-mails');
    },
  );

  it('uses the organization branding when given, Herald defaults otherwise', () => {
    const branded = renderer.renderPreview('task-completion', {
      format: 'html',
      branding: {
        organizationName: 'Acme',
        logoUrl: 'https://acme.test/logo.png',
        brandColor: '#ff6600',
        footerText: 'Acme Ltd, 1 Main St',
      },
    });
    expect(branded).toContain('src="https://acme.test/logo.png"');
    expect(branded).toContain('background-color:#ff6600');
    expect(branded).toContain('Acme Ltd, 1 Main St');
    const plain = renderer.renderPreview('task-completion', { format: 'html' });
    expect(plain).toContain('background-color:#4f46e5');
    expect(plain).not.toContain('<img');
  });

  it('ignores branding values that could inject CSS or a script URL', () => {
    const html = renderer.renderPreview('task-completion', {
      format: 'html',
      branding: { brandColor: 'red;background:url(https://evil.test)', logoUrl: 'javascript:alert(1)' },
    });
    expect(html).not.toContain('evil.test');
    expect(html).not.toContain('javascript:');
  });
});

describe('render', () => {
  const run = {
    task_name: 'reports.generate',
    task_id: 'run-42',
    status: 'succeeded',
    frontend_url: 'https://app.test/',
  };

  it('omits optional values cleanly when only the basics are known', () => {
    const mail = renderer.render('task-completion', { task_name: 'reports.generate', status: 'failed' });
    for (const part of [mail.subject, mail.html, mail.text]) expect(part).not.toMatch(NOT_SHOWN);
    expect(mail.subject).toBe('reports.generate failed');
    expect(mail.text).not.toContain('Completed at');
    expect(mail.text).not.toContain('View results');
  });

  it('links "View results" to the test run when the result names one, else to the run', () => {
    expect(renderer.render('task-completion', run).html).toContain('href="https://app.test/runs/run-42"');
    const withTestRun = renderer.render('task-completion', { ...run, test_run_id: 'tr 7' });
    expect(withTestRun.html).toContain('href="https://app.test/test-runs/tr%207"');
    expect(withTestRun.text).toContain('View results: https://app.test/test-runs/tr%207');
  });

  it('shows the details: status badge, formatted execution time, completion time, error', () => {
    const mail = renderer.render('task-completion', {
      ...run,
      status: 'failed',
      execution_time: 165_000,
      completed_at: new Date('2025-06-02T14:03:27Z'),
      error_message: 'Connection reset by peer',
    });
    expect(mail.html).toContain('color:#cf222e');
    expect(mail.html).toContain('2m 45s');
    expect(mail.html).toContain('2 Jun 2025, 14:03:27 UTC');
    expect(mail.html).toContain('Connection reset by peer');
    expect(mail.text).toContain('Execution time:  2m 45s');
  });

  it('escapes values in the HTML and keeps them readable in the text', () => {
    const mail = renderer.render('task-completion', {
      ...run,
      error_message: '<script>alert("x")</script> & more',
    });
    expect(mail.html).not.toContain('<script>alert');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(mail.text).toContain('<script>alert("x")</script> & more');
  });

  it('keeps a result from overriding the standard variables', () => {
    const mail = renderer.render('task-completion', {
      ...run,
      action_url: 'https://evil.test',
      brand_color: 'red',
    });
    expect(mail.html).not.toContain('evil.test');
  });

  it('fills a custom subject template and keeps it on one line', () => {
    const mail = renderer.render(
      'task-completion',
      { ...run, note: 'ok\r\nBcc: eve@evil.test' },
      { subjectTemplate: 'Task Complete: {{task_name}} - {{status}} {{note}}' },
    );
    expect(mail.subject).toBe('Task Complete: reports.generate - succeeded ok Bcc: eve@evil.test');
    expect(mail.html).toContain('<title>Task Complete: reports.generate');
  });

  it('lets a custom subject template use every built-in helper', () => {
    const mail = renderer.render('task-completion', run, {
      subjectTemplate:
        '{{#unless error_message}}OK{{/unless}} {{#with task_name}}{{this}}{{/with}} {{lookup this "status"}}',
    });
    expect(mail.subject).toBe('OK reports.generate succeeded');
  });

  it('summarises test results: totals and the failed tests by name', () => {
    const mail = renderer.render('test-execution-summary', {
      ...run,
      task_name: 'tests.collect_results',
      test_set_name: 'smoke',
      total_tests: 3,
      tests_passed: 1,
      tests_failed: 2,
      failed_tests: ['logs in', { testId: 't-3', name: 'pays', passed: false }],
    });
    expect(mail.subject).toBe('smoke: 1 of 3 passed, 2 failed');
    expect(mail.html).toContain('2 tests failed');
    expect(mail.html).toContain('logs in');
    expect(mail.text).toMatch(/Failed tests:\n {2}- logs in\n {2}- pays/);
  });

  it('lists runs in a digest', () => {
    const mail = renderer.render('digest', {
      frontend_url: 'https://app.test',
      runs: [
        { task_name: 'a.one', task_id: 'r1', status: 'succeeded', execution_time: 850 },
        { task_name: 'b.two', task_id: 'r2', status: 'failed' },
      ],
    });
    expect(mail.subject).toBe('Your Herald digest: 2 runs, 1 failed');
    expect(mail.html).toContain('href="https://app.test/runs/r2"');
    // Inside {{#each runs}}, the link colour is read through @root: that template keeps its data frame.
    expect(mail.html).toMatch(/href="https:\/\/app\.test\/runs\/r2" style="[^"]*color:#4f46e5/);
    expect(mail.text).toContain('- a.one: Succeeded (850 ms)');
    expect(mail.html).not.toMatch(NOT_SHOWN);
  });

  it('names an unknown template', () => {
    expect(() => renderer.render('no-such', run)).toThrow(UnknownTemplateError);
    expect(() => renderer.renderPreview('no-such', { format: 'html' })).toThrow(
      /Unknown e-mail template "no-such"/,
    );
  });

  it('lists templates with their variables', () => {
    const templates = renderer.listTemplates();
    expect(templates.map((template) => template.name)).toEqual([
      'task-completion',
      'test-execution-summary',
      'digest',
    ]);
    const names = templates[0]?.variables.map((variable) => variable.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'recipient_name',
        'task_name',
        'task_id',
        'status',
        'execution_time',
        'error_message',
        'frontend_url',
        'completed_at',
      ]),
    );
  });
});

describe('compileAll', () => {
  it('fails on invalid MJML, naming the template', async () => {
    const dir = await templatesWith('test-execution-summary/body.mjml', (source) =>
      source.replace('<mj-column>', '<mj-text>misplaced</mj-text><mj-column>'),
    );
    const broken = new TemplateRenderer({ templatesDir: dir });
    const error = await broken.compileAll().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemplateCompileError);
    expect((error as Error).message).toMatch(
      /"test-execution-summary".*not valid MJML.*mj-text cannot be used inside mj-section/s,
    );
  });

  it('fails when MJML would reject a Handlebars value in a colour attribute', async () => {
    const dir = await templatesWith('digest/body.mjml', (source) =>
      source.replace('background-color="#ffffff"', 'background-color="{{brand_color}}"'),
    );
    await expect(new TemplateRenderer({ templatesDir: dir }).compileAll()).rejects.toThrow(
      /"digest".*background-color/s,
    );
  });

  it('fails when MJML would silently drop Handlebars placed between tags', async () => {
    const dir = await templatesWith('task-completion/body.mjml', (source) =>
      source.replace(
        '<mj-include path="../partials/footer.mjml" />',
        '{{#if task_id}}<mj-include path="../partials/footer.mjml" />{{/if}}',
      ),
    );
    await expect(new TemplateRenderer({ templatesDir: dir }).compileAll()).rejects.toThrow(
      /"task-completion": MJML did not keep .*\{\{#if task_id\}\}.* intact/,
    );
  });

  it('fails on broken Handlebars, naming the template and the file', async () => {
    const dir = await templatesWith('task-completion/text.hbs', (source) => `${source}{{#if task_name}}`);
    await expect(new TemplateRenderer({ templatesDir: dir }).compileAll()).rejects.toThrow(
      /"task-completion".*text/s,
    );
  });

  it('fails at start on a helper Herald does not have, naming the template and the file', async () => {
    const dir = await templatesWith(
      'task-completion/text.hbs',
      (source) => `${source}{{#shout task_name}}!{{/shout}}`,
    );
    const error = await new TemplateRenderer({ templatesDir: dir }).compileAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateCompileError);
    expect(String(error)).toMatch(/"task-completion".*text.*shout/s);
  });

  it('fails when a template file is missing', async () => {
    const dir = await templatesWith('digest/subject.hbs', (source) => source);
    await rm(path.join(dir, 'digest/subject.hbs'));
    await expect(new TemplateRenderer({ templatesDir: dir }).compileAll()).rejects.toThrow(
      /"digest".*subject\.hbs/,
    );
  });
});

describe('compiled MJML kept between starts', () => {
  async function scratch(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'herald-compiled-'));
    scratchDirs.push(dir);
    return dir;
  }

  it('a second start reads what the first compiled, and a changed template is compiled again', async () => {
    const compiledDir = await scratch();
    await new TemplateRenderer({ compiledDir }).compileAll();
    const kept = await readdir(compiledDir);
    expect(kept.every((name) => /^[a-z-]+-[0-9a-f]{32}\.html$/.test(name))).toBe(true);
    expect(kept.map((name) => name.replace(/-[0-9a-f]{32}\.html$/, '')).sort()).toEqual(
      [...TEMPLATE_NAMES].sort(),
    );

    // Proof that the kept file is what a later start uses: mark it, and the mark shows in the mail.
    const file = path.join(compiledDir, kept.find((name) => name.startsWith('task-completion-')) ?? '');
    await writeFile(file, (await readFile(file, 'utf8')).replace('</body>', '<p>kept-marker</p></body>'));
    const later = new TemplateRenderer({ compiledDir });
    await later.compileAll();
    expect(later.renderPreview('task-completion', { format: 'html' })).toContain('kept-marker');

    // Another source (the footer partial, which every template includes) is another file.
    const edited = await templatesWith('partials/footer.mjml', (source) =>
      source.replace('</mj-section>', '<mj-column><mj-text>edited footer</mj-text></mj-column></mj-section>'),
    );
    const afterEdit = new TemplateRenderer({ templatesDir: edited, compiledDir });
    await afterEdit.compileAll();
    const html = afterEdit.renderPreview('task-completion', { format: 'html' });
    expect(html).toContain('edited footer');
    expect(html).not.toContain('kept-marker');
    expect((await readdir(compiledDir)).length).toBe(2 * TEMPLATE_NAMES.length);
  });

  it('keeps nothing from a template that fails, and compiles all the same where it cannot write', async () => {
    const compiledDir = await scratch();
    const broken = await templatesWith('digest/body.mjml', (source) =>
      source.replace('background-color="#ffffff"', 'background-color="{{brand_color}}"'),
    );
    await expect(new TemplateRenderer({ templatesDir: broken, compiledDir }).compileAll()).rejects.toThrow(
      /"digest"/,
    );
    expect((await readdir(compiledDir)).filter((name) => name.startsWith('digest-'))).toEqual([]);

    // A folder that cannot be made (it would sit under a file): refused to root as well.
    const notAFolder = path.join(await scratch(), 'a-file');
    await writeFile(notAFolder, '');
    const renderer = new TemplateRenderer({ compiledDir: path.join(notAFolder, 'compiled') });
    await renderer.compileAll();
    expect(renderer.renderPreview('digest', { format: 'html' })).toMatch(/^<!doctype html>/i);
  });
});
