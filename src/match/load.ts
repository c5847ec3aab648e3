/**
 * Load signature libraries: the shipped one (signatures/ at the package
 * root) and the user's (config `signatures.paths`, files or directories).
 * Problems are data (SignatureLoadError: path, entry index, id, field), never
 * exceptions: callers decide whether a bad user file is fatal (the CLI) or is
 * logged while the good entries are used (the daemon). A later file may
 * replace an earlier entry by reusing its id.
 */
import { checkSafeRegex } from '../util/safe-regex.js';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { weakLazy } from '../util/weak-lazy.js';
import { listDataFiles, parseDataText, pointerToKey, readDataText } from '../util/data-files.js';
import {
  RESERVED_IDS,
  SignatureEntrySchema,
  SignatureFileSchema,
  VocabularyListSchema,
  type SignatureEntry,
  type SignatureFile,
  type VocabularyListEntry,
} from './schema.js';
import type { Signature, SignatureLibrary, SignatureLoadError, Vocabulary } from './types.js';
import { ANY_ROLE_PREFIX, expandListName, mergeVocabulary } from './vocabulary.js';

/** src/match/ and dist/match/ are both two levels below the package root. */
export const SHIPPED_SIGNATURES_DIR = fileURLToPath(new URL('../../signatures/', import.meta.url));

const validators = weakLazy(() => {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  return {
    file: ajv.compile(SignatureFileSchema),
    entry: ajv.compile(SignatureEntrySchema),
    list: ajv.compile(VocabularyListSchema),
  };
});

export interface LoadSignaturesOptions {
  /** Extra files or directories (config `signatures.paths`), loaded after the shipped library. */
  paths?: string[];
  /** Include the shipped library (default true). */
  shipped?: boolean;
}

export function loadSignatures(opts: LoadSignaturesOptions = {}): SignatureLibrary {
  const roots = [...(opts.shipped === false ? [] : [SHIPPED_SIGNATURES_DIR]), ...(opts.paths ?? [])];
  const errors: SignatureLoadError[] = [];
  const files: string[] = [];
  const read: ReadFile[] = [];
  for (const root of roots) {
    const found = listDataFiles(root);
    if (!found.ok) errors.push(fileError(root, found.message));
    for (const file of found.ok ? found.value : []) {
      files.push(file);
      const one = readSignatureFile(file);
      errors.push(...one.errors);
      if (one.file) read.push(one.file);
    }
  }
  // Every file's lists first, so an entry may use a list another file defines or extends.
  const vocabulary: Vocabulary = {};
  for (const f of read) errors.push(...mergeFileVocabulary(vocabulary, f));
  if (!shippedCache && opts.shipped !== false) {
    shippedCache = {};
    for (const f of read.filter((x) => x.path.startsWith(SHIPPED_SIGNATURES_DIR))) mergeFileVocabulary(shippedCache, f);
  }
  const byId = new Map<string, Signature>();
  for (const f of read) {
    const one = fileSignatures(f, vocabulary);
    errors.push(...one.errors);
    for (const sig of one.signatures) {
      byId.delete(sig.id); // an override moves to the override's place
      byId.set(sig.id, sig);
    }
  }
  return { signatures: [...byId.values()], errors, files, vocabulary };
}

/** A validated file, before its entries are checked against the merged vocabulary. */
interface ReadFile {
  path: string;
  data: SignatureFile;
}

let shippedCache: Vocabulary | null = null;

/** The shipped vocabulary alone (what fingerprints use, so they do not depend on a host's own files); read once, kept (it is small). */
export function shippedVocabulary(): { vocabulary: Vocabulary } {
  if (!shippedCache) {
    const vocabulary: Vocabulary = {};
    for (const file of listOk(listDataFiles(SHIPPED_SIGNATURES_DIR))) {
      const one = readSignatureFile(file);
      if (one.file) mergeFileVocabulary(vocabulary, one.file);
    }
    shippedCache = vocabulary;
  }
  return { vocabulary: shippedCache };
}

function listOk(found: ReturnType<typeof listDataFiles>): string[] {
  return found.ok ? found.value : [];
}

function readSignatureFile(path: string): { file: ReadFile | null; errors: SignatureLoadError[] } {
  const text = readDataText(path);
  return text.ok ? parseFileText(text.value, path) : { file: null, errors: [fileError(path, text.message)] };
}

/** One file alone; its `vocab` references resolve against the shipped vocabulary plus the file's own lists. */
export function loadSignatureFile(path: string): { signatures: Signature[]; errors: SignatureLoadError[] } {
  const one = readSignatureFile(path);
  return one.file ? withBaseVocabulary(one.file, one.errors) : { signatures: [], errors: one.errors };
}

/** Parse and validate one library file's text; `path` names it in errors and in Signature.source. `vocab` resolves as for loadSignatureFile. */
export function parseSignatureText(
  text: string,
  path: string,
): { signatures: Signature[]; errors: SignatureLoadError[] } {
  const one = parseFileText(text, path);
  return one.file ? withBaseVocabulary(one.file, one.errors) : { signatures: [], errors: one.errors };
}

function withBaseVocabulary(
  file: ReadFile,
  errors: SignatureLoadError[],
): { signatures: Signature[]; errors: SignatureLoadError[] } {
  const vocabulary: Vocabulary = {};
  mergeVocabulary(vocabulary, shippedVocabulary().vocabulary);
  const vErrors = file.path.startsWith(SHIPPED_SIGNATURES_DIR) ? [] : mergeFileVocabulary(vocabulary, file);
  const one = fileSignatures(file, vocabulary);
  return { signatures: one.signatures, errors: [...errors, ...vErrors, ...one.errors] };
}

function parseFileText(text: string, path: string): { file: ReadFile | null; errors: SignatureLoadError[] } {
  const parsed = parseDataText(text, path);
  if (!parsed.ok) return { file: null, errors: [fileError(path, parsed.message)] };
  const data = parsed.value;
  const validateFile = validators().file;
  if (!validateFile(data)) {
    return { file: null, errors: (validateFile.errors ?? []).map((e) => schemaError(path, null, null, e)) };
  }
  return { file: { path, data: data as SignatureFile }, errors: [] };
}

/** Validate a file's lists (schema, regexes) and merge the valid ones into `into`. */
function mergeFileVocabulary(into: Vocabulary, file: ReadFile): SignatureLoadError[] {
  const errors: SignatureLoadError[] = [];
  const mine: Vocabulary = {};
  for (const [name, raw] of Object.entries(file.data.vocabulary ?? {})) {
    const field = `vocabulary.${name}`;
    const validateList = validators().list;
    const list = structuredClone(raw);
    if (!validateList(list)) {
      for (const e of validateList.errors ?? [])
        errors.push({
          ...schemaError(file.path, null, null, e),
          field: `${field}${pointerToKey(e.instancePath) ? `.${pointerToKey(e.instancePath)}` : ''}`,
        });
      continue;
    }
    const l = list as VocabularyListEntry;
    if (name.startsWith(ANY_ROLE_PREFIX)) {
      errors.push({
        path: file.path,
        entry: null,
        id: null,
        field,
        message: `"${ANY_ROLE_PREFIX}…" names are reserved: ${ANY_ROLE_PREFIX}<role> stands for every list of that role`,
      });
      continue;
    }
    const bad: SignatureLoadError[] = [];
    l.names.forEach((n, i) =>
      checkRegex(n, `${field}.names[${i}]`, (f, message) =>
        bad.push({ path: file.path, entry: null, id: null, field: f, message }),
      ),
    );
    errors.push(...bad);
    if (bad.length === 0)
      mine[name] = {
        role: l.role,
        names: l.names,
        sources: [file.path],
        ...(l.description ? { description: l.description } : {}),
      };
  }
  for (const message of mergeVocabulary(into, mine))
    errors.push({ path: file.path, entry: null, id: null, field: 'vocabulary', message });
  return errors;
}

function fileSignatures(
  file: ReadFile,
  vocabulary: Vocabulary,
): { signatures: Signature[]; errors: SignatureLoadError[] } {
  const { path, data } = file;
  const version = String(data.version);
  const signatures: Signature[] = [];
  const errors: SignatureLoadError[] = [];
  const seen = new Set<string>();
  (data.signatures ?? []).forEach((raw, index) => {
    const entry = structuredClone(raw);
    const id = typeof (entry as { id?: unknown })?.id === 'string' ? (entry as { id: string }).id : null;
    const problems = checkEntry(path, index, id, entry, seen, vocabulary);
    if (problems.length > 0) errors.push(...problems);
    else signatures.push(toSignature(entry as SignatureEntry, version, path, vocabulary));
    if (id) seen.add(id);
  });
  return { signatures, errors };
}

function checkEntry(
  path: string,
  index: number,
  id: string | null,
  entry: unknown,
  seen: Set<string>,
  vocabulary: Vocabulary,
): SignatureLoadError[] {
  const validateEntry = validators().entry;
  if (!validateEntry(entry)) return (validateEntry.errors ?? []).map((e) => schemaError(path, index, id, e));
  const e = entry as SignatureEntry;
  const out: SignatureLoadError[] = [];
  const err = (field: string | null, message: string) => out.push({ path, entry: index, id: e.id, field, message });
  if (RESERVED_IDS.has(e.id)) err('id', `"${e.id}" is reserved by forkwatch`);
  if (seen.has(e.id)) err('id', `duplicate id "${e.id}" in this file`);
  e.rules.forEach((rule, r) => {
    if (rule.unless !== undefined) checkRegex(rule.unless, `rules[${r}].unless`, err);
    checkLists(rule.unlessVocab, `rules[${r}].unlessVocab`, vocabulary, err);
    if (rule.noReleaser && !rule.lockWait)
      err(
        `rules[${r}].noReleaser`,
        'noReleaser needs lockWait: true (it asks whether every thread is blocked in a lock wait)',
      );
    rule.frames.forEach((fp, f) => {
      const field = `rules[${r}].frames[${f}]`;
      if (
        fp.fn === undefined &&
        fp.vocab === undefined &&
        fp.module === undefined &&
        fp.args === undefined &&
        fp.code === undefined &&
        fp.source === undefined &&
        fp.unnamed !== true
      ) {
        err(field, 'a frame pattern needs fn, vocab, module, args, code, source or unnamed: true');
      }
      if ((fp.fn !== undefined || fp.vocab !== undefined) && fp.unnamed === true)
        err(field, 'fn or vocab and unnamed: true exclude each other');
      if (fp.fn !== undefined) checkRegex(fp.fn, `${field}.fn`, err);
      checkLists(fp.vocab, `${field}.vocab`, vocabulary, err);
      if (fp.module !== undefined) checkRegex(fp.module, `${field}.module`, err);
      if (fp.args !== undefined) checkRegex(fp.args, `${field}.args`, err);
      if (fp.code !== undefined) checkRegex(fp.code, `${field}.code`, err);
      if (fp.source !== undefined) checkRegex(fp.source, `${field}.source`, err);
    });
  });
  return out;
}

function checkLists(
  names: string[] | undefined,
  field: string,
  vocabulary: Vocabulary,
  err: (field: string, message: string) => void,
): void {
  for (const n of names ?? []) {
    if (expandListName(vocabulary, n).length === 0) {
      const roles = [...new Set(Object.values(vocabulary).map((l) => l.role))].map((r) => `${ANY_ROLE_PREFIX}${r}`);
      err(
        field,
        `unknown vocabulary list "${n}" (known: ${[...Object.keys(vocabulary), ...roles].sort().join(', ') || 'none'})`,
      );
    }
  }
}

function checkRegex(source: string, field: string, err: (field: string, message: string) => void): void {
  const reason = checkSafeRegex(source);
  if (reason !== null)
    err(field, `invalid regex ${JSON.stringify(source)}: not a linear-time regular expression, RE2 syntax (${reason})`);
}

function toSignature(e: SignatureEntry, version: string, source: string, vocabulary: Vocabulary): Signature {
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
  if (e.supersedes?.length) sig.supersedes = e.supersedes;
  if (usesVocabulary(e)) sig.vocabulary = vocabulary;
  return sig;
}

function usesVocabulary(e: SignatureEntry): boolean {
  return e.rules.some(
    (r) => r.lockWait || r.condWait || r.noReleaser || r.unlessVocab || r.frames.some((f) => f.vocab),
  );
}

function schemaError(path: string, entry: number | null, id: string | null, e: ErrorObject): SignatureLoadError {
  const field = pointerToKey(e.instancePath);
  const extra =
    e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
  const allowed = e.keyword === 'enum' || e.keyword === 'const' ? `: ${JSON.stringify(e.params)}` : '';
  return { path, entry, id, field: field || null, message: `${e.message ?? 'invalid'}${extra}${allowed}` };
}

function fileError(path: string, message: string): SignatureLoadError {
  return { path, entry: null, id: null, field: null, message };
}

/** One line per problem: `path: entry 2 (id "x"): rules[0].frames[1].fn: invalid regex ...`. */
export function formatLoadError(e: SignatureLoadError): string {
  const where = [e.path];
  if (e.entry !== null) where.push(`entry ${e.entry}${e.id ? ` (id "${e.id}")` : ''}`);
  if (e.field) where.push(e.field);
  return `${where.join(': ')}: ${e.message}`;
}
