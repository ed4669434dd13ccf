import { describe, expect, it } from 'vitest';
import { formatDuration, formatUtc, formatWindow, toSubjectLine } from './format';

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [0, '0 ms'],
    [4_250, '4.2s'],
    [45_000, '45s'],
    [165_000, '2m 45s'],
    [120_000, '2m'],
    [3_720_000, '1h 2m'],
    [3_600_000, '1h'],
    [93_600_000, '1d 2h'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('gives nothing for a negative or unknown duration', () => {
    expect(formatDuration(-5)).toBeUndefined();
    expect(formatDuration(Number.NaN)).toBeUndefined();
  });
});

describe('formatUtc', () => {
  it('prints a readable UTC time whatever the local time zone', () => {
    expect(formatUtc(new Date('2025-06-02T04:03:07Z'))).toBe('2 Jun 2025, 04:03:07 UTC');
  });
});

describe('toSubjectLine', () => {
  it('turns CR, LF and control characters into spaces so no header can be started', () => {
    expect(toSubjectLine('Done\r\nBcc: eve@evil.test\u0000\u2028x')).toBe('Done Bcc: eve@evil.test x');
  });

  it('caps very long subjects', () => {
    expect(toSubjectLine('a'.repeat(1000)).length).toBeLessThanOrEqual(250);
  });
});

describe('formatWindow', () => {
  it.each([
    [1, '1 minute'],
    [45, '45 minutes'],
    [60, '1 hour'],
    [90, '90 minutes'],
    [1_440, '24 hours'],
  ])('%d minutes read "%s"', (minutes, text) => {
    expect(formatWindow(minutes)).toBe(text);
  });
});
