/** A configuration problem: names the key, the bad value and what is allowed. */
export class ConfigError extends Error {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
  constructor(key: string, value: unknown, allowed: string, source?: string) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : safeJson(value);
    super(`config${source ? ` (${source})` : ''}: ${key || '(top level)'} = ${shown}: ${allowed}`);
    this.name = 'ConfigError';
    this.key = key;
    this.value = value;
    this.allowed = allowed;
  }
}

/** sysexits.h EX_CONFIG */
export const EX_CONFIG = 78;

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return String(v);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
}
