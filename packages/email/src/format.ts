const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "850 ms", "4.2s", "45s", "2m 45s", "1h 2m", "3d 4h": short enough for a table cell. */
export function formatDuration(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toString()}s`;
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes > 0) return seconds > 0 ? `${minutes}m ${seconds}s` : `${minutes}m`;
  return `${seconds}s`;
}

/** A digest's window: "1 minute", "45 minutes", "1 hour", "24 hours". */
export function formatWindow(minutes: number): string {
  const [count, unit] = minutes >= 60 && minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The time between two instants, or undefined when either is missing. */
export function formatElapsed(
  start: Date | null | undefined,
  end: Date | null | undefined,
): string | undefined {
  if (!start || !end) return undefined;
  return formatDuration(end.getTime() - start.getTime());
}

const pad = (value: number) => value.toString().padStart(2, '0');

/**
 * "25 Nov 2025, 07:10:32 UTC". Built by hand rather than with Intl so the text does not
 * depend on the ICU data or locale of the machine that sends the mail.
 */
export function formatUtc(date: Date): string | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  const day = date.getUTCDate();
  const month = MONTHS[date.getUTCMonth()] ?? '';
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day} ${month} ${date.getUTCFullYear()}, ${time} UTC`;
}

/**
 * One header-safe line: CR/LF and other control characters become spaces (a subject filled
 * from task data must never start a new header), runs of whitespace collapse, and the line is
 * capped well below the 998-octet limit of RFC 5322.
 */
export function toSubjectLine(value: string, maxLength = 250): string {
  const line = value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    // "=?utf-8?q?=0D=0A...?=" from data would reach readers as an RFC 2047 encoded word and be
    // decoded (to a line break, say). A zero-width space after "=" keeps it text: the word is
    // then not ASCII, so it is sent encoded and read back as the characters it was.
    .replace(/=\?/g, '=\u200b?');
  return line.length > maxLength ? `${line.slice(0, maxLength - 1).trimEnd()}…` : line;
}
