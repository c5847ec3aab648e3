/**
 * forkwatch classify [FILE|-] [--format pstack|mdb|eu-stack|gdb|lldb|gdb-info|hotspot|macos-sample|debuggerd|dbx|jstack|lenient] [--json]
 *                    [--signatures PATH]... [--no-shipped] [--config FILE]
 *
 * Parse a stack dump and match it against the signature library (shipped +
 * config `signatures.paths` + --signatures). --forked-child says what the
 * daemon knows and a bug report may only say in words: the dump is of a
 * child that forked and never exec'd (docs/signatures.md). Exit 2 when a deadlock signature
 * matches, 0 when none does, 3 when the input cannot be read, 78 when a
 * signature file or the config is bad, 64 on bad usage.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { EX_CONFIG } from '../config/errors.js';
import { MAX_INPUT_CHARS, STACK_FORMATS } from '../capture/parse/index.js';
import type { ParsedStack, StackFormat } from '../capture/types.js';
import { diagnoseStackText, formatLoadError, loadSignatures, threadWaits } from '../match/index.js';
import type { MatchResult, Signature, ThreadWait } from '../match/index.js';
import { renderWaits } from './classify-waits.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';
import { printable } from '../util/printable.js';

export const EXIT_NO_MATCH = 0;
export const EXIT_DEADLOCK = 2;
export const EXIT_UNREADABLE = 3;
const EX_USAGE = 64;

export interface ClassifyIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Read the input: a path, or standard input for "-". Rejects when unreadable. */
  read: (path: string) => Promise<string>;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: forkwatch classify [FILE|-] [--format ${STACK_FORMATS.join('|')}] [--json] [--forked-child]
                          [--signatures PATH]... [--no-shipped] [--config FILE]
  --forked-child  the dump is of a child that forked and never exec'd: a lock wait
                  that no thread of the dump can release is then a deadlock
exit: 2 deadlock signature matched, 0 none, 3 input unreadable, 78 bad signature file or config
`;

export async function main(argv: string[]): Promise<number> {
  return runClassify(argv, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    read: readInput,
    env: process.env,
  });
}

export async function runClassify(argv: string[], io: ClassifyIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'classify',
    argv,
    {
      ...CONFIG_OPTION,
      format: { type: 'string', short: 'f' },
      json: { type: 'boolean' },
      'forked-child': { type: 'boolean' },
      signatures: { type: 'string', short: 's', multiple: true },
      'no-shipped': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = values.format;
  if ((format !== undefined && !STACK_FORMATS.includes(format as StackFormat)) || positionals.length > 1) {
    io.stderr(
      `forkwatch classify: ${positionals.length > 1 ? 'one input at most' : `unknown --format "${format}"`}\n${USAGE}`,
    );
    return EX_USAGE;
  }
  const config = loadConfig({ file: values.config, env: io.env });
  const library = loadSignatures({
    paths: [...config.signatures.paths, ...(values.signatures ?? [])],
    shipped: !values['no-shipped'],
  });
  if (library.errors.length > 0) {
    for (const e of library.errors) io.stderr(`forkwatch classify: signature file: ${formatLoadError(e)}\n`);
    return EX_CONFIG;
  }
  const input = positionals[0] ?? '-';
  let text: string;
  try {
    text = await io.read(input);
  } catch (err) {
    io.stderr(
      `forkwatch classify: cannot read ${input === '-' ? 'standard input' : input}: ${(err as Error).message}\n`,
    );
    return EXIT_UNREADABLE;
  }
  const forkedChild = values['forked-child'] === true;
  const { stack, match } = diagnoseStackText(text, library.signatures, format as StackFormat | undefined, {
    forkedChild,
  });
  // when nothing named a deadlock, what the threads do wait on (no verdict of its own)
  const waits = match.deadlock ? null : threadWaits(stack.threads, library.vocabulary);
  io.stdout(
    values.json
      ? renderJson(stack, match, library.signatures, waits)
      : renderText(stack, match, library.signatures, waits, forkedChild),
  );
  return match.deadlock ? EXIT_DEADLOCK : EXIT_NO_MATCH;
}

/** At most MAX_INPUT_CHARS bytes (+1, so the parser can say it cut): a huge file is never read whole. */
async function readInput(path: string): Promise<string> {
  if (path === '-') return readStdin();
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_INPUT_CHARS + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_CHARS) break;
  }
  return Buffer.concat(chunks)
    .subarray(0, MAX_INPUT_CHARS + 1)
    .toString('utf8');
}

function renderJson(
  stack: ParsedStack,
  match: MatchResult,
  signatures: readonly Signature[],
  waits: readonly ThreadWait[] | null,
): string {
  const { raw: _raw, ...rest } = stack;
  const references = Object.fromEntries(
    match.matches.map((m) => [m.signatureId, signatures.find((s) => s.id === m.signatureId)?.references ?? []]),
  );
  return `${JSON.stringify({ stack: rest, match, references, ...(waits ? { waits } : {}) }, null, 2)}\n`;
}

function renderText(
  stack: ParsedStack,
  match: MatchResult,
  signatures: readonly Signature[],
  waits: readonly ThreadWait[] | null,
  forkedChild: boolean,
): string {
  const out: string[] = [];
  const processes = new Set(stack.threads.map((t) => t.process)).size;
  out.push(
    `format: ${stack.format}  pid: ${stack.pid ?? '-'}  threads: ${stack.threads.length}${processes > 1 ? `  processes: ${processes} (each judged alone)` : ''}  fingerprint: ${match.fingerprint}`,
  );
  for (const w of stack.warnings) out.push(`warning: ${w}`);
  stack.threads.forEach((t, ti) => {
    const process = t.process !== undefined ? ` (process ${t.process})` : '';
    // the paste's own `child:` label: the process is judged as --forked-child judges one
    const child = t.labelledChild ? ' [labelled child: judged as a forked child]' : '';
    out.push(
      '',
      `thread ${ti}${process}${t.tid !== null ? ` tid ${t.tid}` : ''}${t.name ? ` "${t.name}"` : ''}${child}`,
    );
    const marked = new Set(match.matches.filter((m) => m.threadIndex === ti).flatMap((m) => m.frameIndexes));
    t.frames.forEach((f, fi) => {
      const name = f.fn === null ? '??' : f.fn + (f.offset !== null ? `+0x${f.offset.toString(16)}` : '');
      const where = [f.module, f.source].filter(Boolean).join(' ');
      out.push(
        `  ${marked.has(fi) ? '*' : ' '}#${String(fi).padEnd(3)} ${(f.address ?? '').padEnd(18)} ${name}${where ? `  (${where})` : ''}`,
      );
    });
  });
  out.push('');
  if (match.matches.length === 0) out.push('no deadlock signature matched');
  for (const m of match.matches) {
    const sig = signatures.find((s) => s.id === m.signatureId);
    // an info signature is a note (the parent's side of a fork), not a deadlock
    const label = m.severity === 'info' ? 'NOTE' : 'MATCH';
    out.push(`${label} ${m.signatureId} (${m.severity}${m.generic ? ', generic' : ''}, v${m.version}): ${m.title}`);
    out.push(
      `  rule: ${m.rule}; thread ${m.threadIndex}; frames ${m.frameIndexes.map((i, k) => `#${i} ${m.frames[k]}`).join(', ')}`,
    );
    if (m.lock) out.push(`  lock: ${m.lock}`);
    if (m.lockOwner !== undefined) out.push(`  lock owner: LWP ${m.lockOwner}, no thread of this process`);
    for (const r of sig?.references ?? []) out.push(`  see: ${r.title}${r.url ? ` <${r.url}>` : ''}`);
  }
  if (waits) out.push(...renderWaits(waits, forkedChild));
  const notes = match.matches.filter((m) => m.severity === 'info').map((m) => m.signatureId);
  out.push(
    match.deadlock
      ? `verdict: DEADLOCK (${match.matches[0]!.signatureId})`
      : `verdict: no deadlock signature${notes.length > 0 ? ` (note: ${notes.join(', ')})` : ''}`,
  );
  // frame, thread and module names come from the paste: no escape sequence of theirs reaches the terminal
  return `${out.map(printable).join('\n')}\n`;
}
