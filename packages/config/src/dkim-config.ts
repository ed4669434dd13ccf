import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Env } from './schema';

/** What signs every mail with DKIM (RFC 6376): the signing domain, the selector and the private key. */
export interface DkimConfig {
  domainName: string;
  keySelector: string;
  /** PEM. */
  privateKey: string;
}

/** A bad DKIM setting; `variable` is the one to name. */
export class DkimSettingError extends Error {
  override name = 'DkimSettingError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the key from DKIM_PRIVATE_KEY or the file DKIM_PRIVATE_KEY_FILE (a mounted secret).
 * A PEM in one environment variable often arrives with its line breaks written as `\n`.
 */
function readKey(env: Env): { pem: string; variable: string } | null {
  if (env.DKIM_PRIVATE_KEY && env.DKIM_PRIVATE_KEY_FILE)
    throw new DkimSettingError(
      'DKIM_PRIVATE_KEY_FILE',
      'set either DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE, not both',
    );
  if (env.DKIM_PRIVATE_KEY)
    return { pem: env.DKIM_PRIVATE_KEY.replaceAll('\\n', '\n'), variable: 'DKIM_PRIVATE_KEY' };
  if (!env.DKIM_PRIVATE_KEY_FILE) return null;
  try {
    return { pem: readFileSync(env.DKIM_PRIVATE_KEY_FILE, 'utf8'), variable: 'DKIM_PRIVATE_KEY_FILE' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new DkimSettingError('DKIM_PRIVATE_KEY_FILE', `cannot read the key file (${code})`);
  }
}

/**
 * The DKIM settings, or null when none is set. The three go together; the key must be an RSA
 * private key (nodemailer signs rsa-sha256) of at least 1024 bits, and it is tried once here so
 * that a key which cannot sign stops the process at start instead of every mail going out unsigned.
 */
export function readDkimConfig(env: Env): DkimConfig | null {
  const key = readKey(env);
  if (!key && !env.DKIM_DOMAIN && !env.DKIM_SELECTOR) return null;
  if (!key)
    throw new DkimSettingError(
      'DKIM_PRIVATE_KEY',
      'required with DKIM_DOMAIN and DKIM_SELECTOR (or DKIM_PRIVATE_KEY_FILE)',
    );
  if (!env.DKIM_DOMAIN)
    throw new DkimSettingError('DKIM_DOMAIN', 'required with a DKIM key, e.g. example.com');
  if (!env.DKIM_SELECTOR)
    throw new DkimSettingError('DKIM_SELECTOR', 'required with a DKIM key, e.g. herald');
  let parsed: KeyObject;
  try {
    parsed = createPrivateKey(key.pem);
  } catch {
    throw new DkimSettingError(key.variable, 'expected an RSA private key in PEM (it cannot be read)');
  }
  if (parsed.asymmetricKeyType !== 'rsa')
    throw new DkimSettingError(
      key.variable,
      `expected an RSA private key in PEM (got an ${parsed.asymmetricKeyType ?? 'unknown'} key)`,
    );
  try {
    createSign('RSA-SHA256').update('herald').sign(parsed);
  } catch {
    throw new DkimSettingError(key.variable, 'expected an RSA private key in PEM (it cannot sign)');
  }
  const bits = parsed.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < 1024)
    throw new DkimSettingError(
      key.variable,
      `the RSA key has ${bits} bits; mailbox providers ignore DKIM keys under 1024 (use 2048)`,
    );
  return { domainName: env.DKIM_DOMAIN, keySelector: env.DKIM_SELECTOR, privateKey: key.pem };
}

/** The domain of an address such as `Herald <no-reply@example.com>`, lower case. */
export function domainOfAddress(address: string): string | undefined {
  return /@([^\s<>@]+)>?\s*$/.exec(address)?.[1]?.toLowerCase();
}

/**
 * DMARC's relaxed alignment: the DKIM domain and the From domain share their organizational
 * domain. Approximated as one being the other or a subdomain of it (without the public suffix list).
 */
export function isAligned(dkimDomain: string, fromDomain: string): boolean {
  const a = dkimDomain.toLowerCase();
  const b = fromDomain.toLowerCase();
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}
