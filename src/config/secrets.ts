/**
 * The two secrets forkwatch holds: the API bearer token and the Slack webhook
 * URL, given inline (or by environment) or by file. A secret file is held to
 * what OpenSSH demands of a private key: a regular file, owned by us or root,
 * with no permission bit for group or others (docs/security.md#secrets-forkwatch-holds).
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { BoundedReadError, formatMode, readFileBounded } from '../util/read-file-bounded.js';
import { ConfigError } from './errors.js';

export const MAX_SECRET_FILE_BYTES = 64 * 1024;
export const MIN_TOKEN_LENGTH = 16;
/** The longest token the Authorization header parser accepts (src/expose/auth.ts). */
export const MAX_TOKEN_LENGTH = 4096;
const MIN_WEBHOOK_LENGTH = 8;
const REDACTED = '<redacted>';

export interface SecretSource {
  inline: string | undefined;
  inlineKey: string;
  file: string | undefined;
  fileKey: string;
}

export function resolveToken(src: SecretSource, env: NodeJS.ProcessEnv, source: string): string | null {
  const found = readSecret(src, env, source);
  if (found === null) return null;
  const problem = tokenProblem(found.text);
  if (problem) throw new ConfigError(found.key, found.shown, problem, source);
  return found.text;
}

export function resolveWebhookUrl(src: SecretSource, env: NodeJS.ProcessEnv, source: string): string | null {
  const found = readSecret(src, env, source);
  if (found === null) return null;
  const problem = webhookProblem(found.text);
  if (problem) throw new ConfigError(found.key, found.shown, problem, source);
  return found.text;
}

/** Why a token cannot serve as a bearer token, or null. */
export function tokenProblem(token: string): string | null {
  if (!/^[\x21-\x7e]*$/.test(token))
    return 'a token of printable ASCII characters with no spaces (it could never be sent in an Authorization header)';
  if (token.length < MIN_TOKEN_LENGTH) return `a token of at least ${MIN_TOKEN_LENGTH} characters`;
  if (token.length > MAX_TOKEN_LENGTH) return `a token of at most ${MAX_TOKEN_LENGTH} characters`;
  return null;
}

/** Why a URL cannot be the Slack webhook, or null: https, or http to a loopback host only. */
export function webhookProblem(text: string): string | null {
  const wanted = 'an https:// URL (http:// only to a loopback host)';
  if (text.length < MIN_WEBHOOK_LENGTH || /\s/.test(text)) return wanted;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return wanted;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return `${wanted}; got ${url.protocol === 'http:' ? `http:// to ${url.hostname}` : `a ${url.protocol} URL`}`;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

interface FoundSecret {
  text: string;
  key: string;
  /** What an error may show: the path for a file, never the secret itself. */
  shown: string;
}

function readSecret(src: SecretSource, env: NodeJS.ProcessEnv, source: string): FoundSecret | null {
  if (src.inline) return { text: src.inline, key: src.inlineKey, shown: REDACTED };
  if (!src.file) return null;
  const text = readSecretFile(src.file, src.fileKey, env, source).trim();
  return { text, key: src.fileKey, shown: src.file };
}

/** The file's text; ConfigError naming the key, the path and what is wrong. */
export function readSecretFile(path: string, key: string, env: NodeJS.ProcessEnv, source: string): string {
  let file;
  try {
    file = readFileBounded(path, MAX_SECRET_FILE_BYTES);
  } catch (err) {
    if (!(err instanceof BoundedReadError)) throw err;
    const what =
      err.problem === 'unreadable'
        ? `a readable file (${err.code ?? err.message})`
        : `a regular file of at most ${MAX_SECRET_FILE_BYTES} bytes: ${err.message}`;
    throw new ConfigError(key, path, what, source);
  }
  const { uid, mode } = file.stat;
  const me = process.geteuid?.() ?? uid;
  if (uid !== me && uid !== 0) {
    throw new ConfigError(
      key,
      path,
      `a file owned by forkwatch's user (uid ${me}) or root, not uid ${uid} (who could change it)`,
      source,
    );
  }
  const allowed = inCredentialsDirectory(path, env) ? 0o040 : 0;
  if ((mode & 0o077 & ~allowed) !== 0) {
    throw new ConfigError(
      key,
      path,
      `a file only its owner can read: mode ${formatMode(mode)} gives group or others access (chmod 600 it)`,
      source,
    );
  }
  return file.bytes.toString('utf8');
}

/**
 * systemd's LoadCredential= under DynamicUser= writes the file 0400, root's,
 * and grants the service user read access by a POSIX ACL, whose mask stat
 * shows as group read (0440). $CREDENTIALS_DIRECTORY is set for this service only.
 */
function inCredentialsDirectory(path: string, env: NodeJS.ProcessEnv): boolean {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return false;
  try {
    return realpathSync(path).startsWith(realpathSync(dir) + sep);
  } catch {
    return false;
  }
}
