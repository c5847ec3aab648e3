/**
 * Dumps for the match tests, written as gdb prints them (`thread apply all
 * bt`): each thread innermost first, `name(args)` or `??`, with a module for
 * unnamed libc frames. They go through the real parser, so a test checks what
 * a pasted dump gets, not hand-built frames.
 */
import { parseStack } from '../../src/capture/parse/index.js';
import type { Thread } from '../../src/capture/types.js';

/** One thread: frames like `__GI___lll_lock_wait(futex=0x7f1 <main_arena>, private=0)`, `pthread_mutex_lock`, `??`. */
export type ThreadSpec = { name?: string; frames: string[] };

export function gdbText(threads: ThreadSpec[]): string {
  const out = [
    '[Thread debugging using libthread_db enabled]',
    'Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".',
    '',
  ];
  threads.forEach((t, ti) => {
    const n = threads.length - ti;
    out.push(`Thread ${n} (Thread 0x7f00000${n}6c0 (LWP ${4000 + n}) "${t.name ?? 'worker'}"):`);
    t.frames.forEach((f, i) => {
      const addr = `0x00007f12345${(0x6000 + i * 0x111 + ti * 0x7).toString(16).padStart(5, '0')}`;
      const open = f.indexOf('(');
      const name = open < 0 ? f : f.slice(0, open);
      const args = open < 0 ? '' : f.slice(open + 1, f.lastIndexOf(')'));
      const where =
        name === '??' ? ' from /lib/x86_64-linux-gnu/libc.so.6' : ` at src/${name.replace(/\W+/g, '_')}.c:${10 + i}`;
      if (f.startsWith('<'))
        out.push(`#${i}  ${f}`); // <signal handler called>
      else out.push(`#${i}  ${i === 0 ? '' : `${addr} in `}${name} (${args})${where}`);
    });
    out.push('');
  });
  out.push('[Inferior 1 (process 4001) detached]', '');
  return out.join('\n');
}

export function gdbThreads(threads: ThreadSpec[]): Thread[] {
  const stack = parseStack(gdbText(threads));
  if (stack.format !== 'gdb' || stack.threads.length !== threads.length)
    throw new Error(
      `test dump did not parse as ${threads.length} gdb threads: ${stack.format}, ${stack.threads.length}`,
    );
  return stack.threads;
}

// Thread shapes (glibc 2.36 with debug symbols unless named otherwise).
export const MUTEX_WAIT = [
  'futex_wait(private=0, expected=2, futex_word=0x55d0 <lock_a>)',
  '__GI___lll_lock_wait(futex=0x55d0 <lock_a>, private=0)',
  'lll_mutex_lock_optimized(mutex=0x55d0 <lock_a>)',
  '___pthread_mutex_lock(mutex=0x55d0 <lock_a>)',
];
export const COND_WAIT = [
  '__futex_abstimed_wait_common64(private=0, cancel=true, abstime=0x0, op=393, expected=0, futex_word=0x55e8 <cv+40>)',
  '__futex_abstimed_wait_common(futex_word=0x55e8 <cv+40>, expected=0, clockid=0, abstime=0x0, private=0, cancel=true)',
  '__GI___futex_abstimed_wait_cancelable64(futex_word=0x55e8 <cv+40>, expected=0, clockid=0, abstime=0x0, private=0)',
  '__pthread_cond_wait_common(abstime=0x0, clockid=0, mutex=0x5580 <m>, cond=0x55c0 <cv>)',
  '___pthread_cond_wait(cond=0x55c0 <cv>, mutex=0x5580 <m>)',
];
export const SEM_WAIT = [
  '__futex_abstimed_wait_common64(private=0, cancel=true, abstime=0x0, op=393, expected=0, futex_word=0x5600 <sem>)',
  '__futex_abstimed_wait_common(futex_word=0x5600 <sem>, expected=0, clockid=0, abstime=0x0, private=0, cancel=true)',
  '__GI___futex_abstimed_wait_cancelable64(futex_word=0x5600 <sem>, expected=0, clockid=0, abstime=0x0, private=0)',
  'do_futex_wait(sem=0x5600 <sem>, abstime=0x0, clockid=0)',
  '__new_sem_wait_slow64(sem=0x5600 <sem>, abstime=0x0, clockid=0)',
];
export const EPOLL = ['epoll_wait(epfd=3, events=0x7ffc, maxevents=64, timeout=-1)', 'event_loop(base=0x5590)'];
export const READ = ['__GI___libc_read(fd=0, buf=0x7ffc, nbytes=4096)', 'read_request(fd=0)'];
export const BUSY = ['spin_until_flag(flag=0x55a0 <ready>)', 'worker_main(arg=0x0)'];
