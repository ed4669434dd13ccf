import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from './define-task';
import { renderRunTitle } from './run-title';

describe('a run title', () => {
  it('is the task title filled with the input, then the result', () => {
    expect(renderRunTitle('Report {{report_name}}', { report_name: 'Q3 revenue' })).toBe('Report Q3 revenue');
    expect(renderRunTitle('{{name}} ({{rows}} rows)', { name: 'in' }, { name: 'out', rows: 12 })).toBe(
      'out (12 rows)',
    );
  });

  it('stays plain text on one line: the mail templates escape it where it lands in HTML', () => {
    expect(renderRunTitle('Report {{n}}', { n: '<b>Q3</b>\r\nBcc: x' })).toBe('Report <b>Q3</b> Bcc: x');
    expect(renderRunTitle('{{n}}', { n: 'x'.repeat(500) })).toHaveLength(200);
  });

  it('is undefined, never an error, when the task has none or it renders empty', () => {
    expect(renderRunTitle(undefined, { a: 1 })).toBeUndefined();
    expect(renderRunTitle('{{missing}}', { a: 1 })).toBeUndefined();
    expect(renderRunTitle('{{a.b.c}}', null, 'not an object')).toBeUndefined();
  });

  it('is checked when the task is defined: a broken template or an unknown helper names the task', () => {
    const task = (title: string) =>
      defineTask({ name: 'reports.build', title, input: z.object({}), run: async () => ({}) });
    expect(task('Report {{report_name}}').title).toBe('Report {{report_name}}');
    expect(() => task('Report {{#if x}}')).toThrow(/Task reports\.build: title is not a valid template/);
    expect(() => task('Report {{shout report_name}}')).toThrow(/reports\.build.*title/);
  });
});
