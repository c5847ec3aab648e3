/**
 * Load signature libraries: the shipped one (signatures/ at the package
 * root) and the user's (config `signatures.paths`, files or directories).
 * Problems are data (SignatureLoadError: path, entry index, id, field), never
 * exceptions: callers decide whether a bad user file is fatal (the CLI) or is
 * logged while the good entries are used (the daemon). A later file may
 * replace an earlier entry by reusing its id.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFileBounded } from '../util/read-file-bounded.js';
import { checkSafeRegex } from '../util/safe-regex.js';
import { fileURLToPath } from 'node:url';
import { extname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { weakLazy } from '../util/weak-lazy.js';
import { parse as parseYaml } from 'yaml';
import { RESERVED_IDS, SignatureEntrySchema, SignatureFileSchema, type SignatureEntry, type SignatureFile } from './schema.js';
import type { Signature, SignatureLibrary, SignatureLoadError } from './types.js';

/** src/match/ and dist/match/ are both two levels below the package root. */
export const SHIPPED_SIGNATURES_DIR = fileURLToPath(new URL('../../signatures/', import.meta.url));
const MAX_FILE_BYTES = 1024 * 1024;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

const validators = weakLazy(() => {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  return { file: ajv.compile(SignatureFileSchema), entry: ajv.compile(SignatureEntrySchema) };
});

export interface LoadSignaturesOptions {
  /** Extra files or directories (config `signatures.paths`), loaded after the shipped library. */
  paths?: string[];
  /** Include the shipped library (default true). */
  shipped?: boolean;
}

export function loadSignatures(opts: LoadSignaturesOptions = {}): SignatureLibrary {
  const roots = [...(opts.shipped === false ? [] : [SHIPPED_SIGNATURES_DIR]), ...(opts.paths ?? [])];
  const byId = new Map<string, Signature>();
  const errors: SignatureLoadError[] = [];
  const files: string[] = [];
  for (const root of roots) {
    const found = listSignatureFiles(root);
    errors.push(...found.errors);
    for (const file of found.files) {
      files.push(file);
      const one = loadSignatureFile(file);
      errors.push(...one.errors);
      for (const sig of one.signatures) {
        byId.delete(sig.id); // an override moves to the override's place
        byId.set(sig.id, sig);
      }
    }
  }
  return { signatures: [...byId.values()], errors, files };
}

/** A file, or a directory's *.yaml / *.yml / *.json (sorted, not recursive). */
function listSignatureFiles(root: string): { files: string[]; errors: SignatureLoadError[] } {
  try {
    if (!statSync(root).isDirectory()) return { files: [root], errors: [] };
    const names = readdirSync(root).filter((n) => EXTENSIONS.has(extname(n).toLowerCase())).sort();
    return { files: names.map((n) => join(root, n)), errors: [] };
  } catch (err) {
    return { files: [], errors: [fileError(root, `cannot read: ${(err as Error).message}`)] };
  }
}

export function loadSignatureFile(path: string): { signatures: Signature[]; errors: SignatureLoadError[] } {
  let text: string;
  try {
    // Bounded: a path naming /dev/zero, a FIFO or a huge file is refused at once, not read forever.
    text = readFileBounded(path, MAX_FILE_BYTES).bytes.toString('utf8');
  } catch (err) {
    return { signatures: [], errors: [fileError(path, `cannot read: ${(err as Error).message}`)] };
  }
  return parseSignatureText(text, path);
}

/** Parse and validate one library file's text; `path` names it in errors and in Signature.source. */
export function parseSignatureText(text: string, path: string): { signatures: Signature[]; errors: SignatureLoadError[] } {
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    return { signatures: [], errors: [fileError(path, `not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${firstLine((err as Error).message)}`)] };
  }
  const validateFile = validators().file;
  if (!validateFile(data)) {
    return { signatures: [], errors: (validateFile.errors ?? []).map((e) => schemaError(path, null, null, e)) };
  }
  const file = data as SignatureFile;
  const version = String(file.version);
  const signatures: Signature[] = [];
  const errors: SignatureLoadError[] = [];
  const seen = new Set<string>();
  file.signatures.forEach((raw, index) => {
    const entry = structuredClone(raw);
    const id = typeof (entry as { id?: unknown })?.id === 'string' ? (entry as { id: string }).id : null;
    const problems = checkEntry(path, index, id, entry, seen);
    if (problems.length > 0) errors.push(...problems);
    else signatures.push(toSignature(entry as SignatureEntry, version, path));
    if (id) seen.add(id);
  });
  return { signatures, errors };
}

function checkEntry(path: string, index: number, id: string | null, entry: unknown, seen: Set<string>): SignatureLoadError[] {
  const validateEntry = validators().entry;
  if (!validateEntry(entry)) return (validateEntry.errors ?? []).map((e) => schemaError(path, index, id, e));
  const e = entry as SignatureEntry;
  const out: SignatureLoadError[] = [];
  const err = (field: string | null, message: string) => out.push({ path, entry: index, id: e.id, field, message });
  if (RESERVED_IDS.has(e.id)) err('id', `"${e.id}" is reserved by forkwatch`);
  if (seen.has(e.id)) err('id', `duplicate id "${e.id}" in this file`);
  e.rules.forEach((rule, r) => {
    if (rule.unless !== undefined) checkRegex(rule.unless, `rules[${r}].unless`, err);
    rule.frames.forEach((fp, f) => {
      const field = `rules[${r}].frames[${f}]`;
      if (fp.fn === undefined && fp.module === undefined && fp.unnamed !== true) err(field, 'a frame pattern needs fn, module or unnamed: true');
      if (fp.fn !== undefined && fp.unnamed === true) err(field, 'fn and unnamed: true exclude each other');
      if (fp.fn !== undefined) checkRegex(fp.fn, `${field}.fn`, err);
      if (fp.module !== undefined) checkRegex(fp.module, `${field}.module`, err);
    });
  });
  return out;
}

function checkRegex(source: string, field: string, err: (field: string, message: string) => void): void {
  const reason = checkSafeRegex(source);
  if (reason !== null) err(field, `invalid regex ${JSON.stringify(source)}: not a linear-time regular expression, RE2 syntax (${reason})`);
}

function toSignature(e: SignatureEntry, version: string, source: string): Signature {
  const sig: Signature = {
    id: e.id,
    title: e.title,
    description: e.description.trim(),
    severity: e.severity,
    references: e.references,
    rules: e.rules,
    version,
    source,
  };
  if (e.generic) sig.generic = true;
  return sig;
}

function schemaError(path: string, entry: number | null, id: string | null, e: ErrorObject): SignatureLoadError {
  const field = pointerToField(e.instancePath);
  const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
  const allowed = e.keyword === 'enum' || e.keyword === 'const' ? `: ${JSON.stringify(e.params)}` : '';
  return { path, entry, id, field: field || null, message: `${e.message ?? 'invalid'}${extra}${allowed}` };
}

/** `/rules/0/frames/1/fn` → `rules[0].frames[1].fn`. */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function fileError(path: string, message: string): SignatureLoadError {
  return { path, entry: null, id: null, field: null, message };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** One line per problem: `path: entry 2 (id "x"): rules[0].frames[1].fn: invalid regex ...`. */
export function formatLoadError(e: SignatureLoadError): string {
  const where = [e.path];
  if (e.entry !== null) where.push(`entry ${e.entry}${e.id ? ` (id "${e.id}")` : ''}`);
  if (e.field) where.push(e.field);
  return `${where.join(': ')}: ${e.message}`;
}
