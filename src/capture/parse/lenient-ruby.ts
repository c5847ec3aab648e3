/**
 * The lenient reader's Ruby shapes (src/capture/parse/lenient.ts): a
 * backtrace line (`path/x.rb:598:in `pop'`, Ruby 3.4's `in 'Thread::Queue#pop'`,
 * an exception's `\tfrom x.rb:12:in `foo'`), innermost first as Ruby prints
 * them, and the VM's deadlock report (`rb_check_deadlock`):
 *
 *   x.rb:598:in `pop': No live threads left. Deadlock? (fatal)
 *   1 threads, 1 sleeps current:0x00000000017765e0 main thread:0x00000000017765e0
 *   * #<Thread:0x00000000017a9e18 sleep_forever>
 *      rb_thread_t:0x00000000017765e0 native:0x00007f454bb51700 int:0
 *      x.rb:598:in `pop'
 *      x.rb:89:in `fork'
 *
 * The report's first line repeats the innermost frame of a thread it then
 * lists with the others: it is a header there, not a frame; each
 * `* #<Thread:…>` line heads a thread.
 */
import type { Frame } from '../types.js';
import { makeFrame } from './common.js';

/** `[from ]FILE:LINE:in `LABEL'` or `'LABEL'` (FILE may be Ruby's `<internal:thread_sync>`), then `: message (Class)` on an exception's first line. */
const RUBY_FRAME =
  /^(?:from\s{1,8})?(<[^<>]{1,256}>|[^\s:<][^:]{0,1000}):(\d{1,9}):in [`']([^`']{1,512})'(:\s.{0,2000})?$/;
/** The VM's deadlock report starts with the deadlocked thread's innermost frame and this message. */
const DEADLOCK_REPORT = ': No live threads left. Deadlock?';
/** A thread of the deadlock report (`Thread#inspect`): heads its backtrace. */
export const RUBY_THREAD = /^\*?\s?#<Thread:0x[0-9a-fA-F]{1,16}\b/;

/** A Ruby backtrace line's frame (the label as printed: `block in foo`, `Thread::Queue#pop`); null for the deadlock report's first line or any other line. */
export function rubyFrame(line: string): Frame | null {
  if (!line.includes(':in ')) return null;
  const m = RUBY_FRAME.exec(line);
  if (!m || m[4]?.startsWith(DEADLOCK_REPORT)) return null;
  return makeFrame({ fn: m[3]!, source: `${m[1]}:${m[2]}` });
}
