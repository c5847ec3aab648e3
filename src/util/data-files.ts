/**
 * The data files forkwatch reads beside its config: the signature library
 * (src/match/load.ts) and the fork-risk rules (src/audit/load.ts). Both come
 * as roots (a file, or a directory's *.yaml / *.yml / *.json, sorted, not
 * recursive); each file is read bounded and parsed as JSON or YAML by its
 * extension. Problems are plain messages: each loader wraps them in its own
 * error type, which names file and key.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFileBounded } from './read-file-bounded.js';

export const MAX_DATA_FILE_BYTES = 1024 * 1024;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export type DataFileResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** A file, or a directory's data files (sorted, not recursive). */
export function listDataFiles(root: string): DataFileResult<string[]> {
  try {
    if (!statSync(root).isDirectory()) return { ok: true, value: [root] };
    const names = readdirSync(root)
      .filter((n) => EXTENSIONS.has(extname(n).toLowerCase()))
      .sort();
    return { ok: true, value: names.map((n) => join(root, n)) };
  } catch (err) {
    return { ok: false, message: `cannot read: ${(err as Error).message}` };
  }
}

/** Bounded: a path naming /dev/zero, a FIFO or a huge file is refused at once, not read forever. */
export function readDataText(path: string): DataFileResult<string> {
  try {
    return { ok: true, value: readFileBounded(path, MAX_DATA_FILE_BYTES).bytes.toString('utf8') };
  } catch (err) {
    return { ok: false, message: `cannot read: ${(err as Error).message}` };
  }
}

/** JSON for *.json, else YAML (aliases bounded); the message names the syntax and the parser's first line. */
export function parseDataText(text: string, path: string): DataFileResult<unknown> {
  const json = extname(path).toLowerCase() === '.json';
  try {
    return { ok: true, value: json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 }) };
  } catch (err) {
    return {
      ok: false,
      message: `not valid ${json ? 'JSON' : 'YAML'}: ${String((err as Error).message).split('\n')[0]}`,
    };
  }
}

/** A JSON pointer as a key: `/rules/0/frames/1/fn` → `rules[0].frames[1].fn`. */
export function pointerToKey(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
