/** uid → user name, from /etc/passwd (read once per discovery; no NSS calls). */
import { readFileSync } from 'node:fs';

export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.slice(0, 4 << 20).split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, , uid] = line.split(':', 4);
    if (name && uid !== undefined && /^\d{1,10}$/.test(uid) && !out.has(Number(uid))) out.set(Number(uid), name);
  }
  return out;
}

export function loadUserNames(path = '/etc/passwd'): Map<number, string> {
  try {
    return parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}
