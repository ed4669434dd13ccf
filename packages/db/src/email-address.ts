/** One plain address: no display name, list or comment that could add a second recipient. */
const PLAIN_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\]+$/;
/** RFC 5321's limit on a forward path. */
const MAX_ADDRESS_LENGTH = 254;

/** Whether `value` is one plain e-mail address, the only form Herald mails. */
export function isPlainEmailAddress(value: string): boolean {
  return value.length <= MAX_ADDRESS_LENGTH && PLAIN_ADDRESS.test(value);
}
