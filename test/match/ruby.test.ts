/**
 * Ruby-level backtraces (the lenient reader's Ruby shapes, signatures/ruby.yaml):
 * a fork block waiting for a thread or lock that stayed in the parent, and
 * what is not it. The public corpus has a real VM deadlock report
 * (resque-scheduler-706); these are the variations around it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStack } from '../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';

const lib = loadSignatures().signatures;

function named(text: string): string | null {
  const m = matchSignatures(parseStack(text).threads, lib);
  return m.deadlock ? m.matches[0]!.signatureId : null;
}

/** The VM's deadlock report for one thread whose backtrace is `frames` (innermost first). */
function report(...frames: string[]): string {
  return [
    `${frames[0]}: No live threads left. Deadlock? (fatal)`,
    '1 threads, 1 sleeps current:0x000055d0c1a2b3c0 main thread:0x000055d0c1a2b3c0',
    '* #<Thread:0x00007f3a1c0a8b10 sleep_forever>',
    '   rb_thread_t:0x000055d0c1a2b3c0 native:0x00007f3a1d2c4740 int:0',
    ...frames.map((f) => `   ${f}`),
  ].join('\n');
}

const IN_FORK = [
  "app/worker.rb:12:in `block in spawn_worker'",
  "app/worker.rb:10:in `fork'",
  "app/worker.rb:10:in `spawn_worker'",
];

test("the deadlock report: its first line is a header, not a second thread; the thread's frames keep their labels and sources", () => {
  const p = parseStack(report("lib/sched.rb:598:in `pop'", ...IN_FORK));
  assert.equal(p.format, 'lenient');
  assert.equal(p.threads.length, 1);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => [f.fn, f.source]),
    [
      ['pop', 'lib/sched.rb:598'],
      ['block in spawn_worker', 'app/worker.rb:12'],
      ['fork', 'app/worker.rb:10'],
      ['spawn_worker', 'app/worker.rb:10'],
    ],
  );
});

test('a wait for another thread in the fork block is ruby-wait-in-fork-block: Queue#pop, Thread#join, Mutex#lock, 3.4 labels', () => {
  for (const top of [
    "lib/sched.rb:598:in `pop'",
    "lib/pool.rb:40:in `join'",
    "<internal:thread_sync>:18:in 'Thread::Queue#pop'",
    "lib/log.rb:7:in 'Thread::Mutex#lock'",
    "lib/log.rb:7:in 'Thread::Mutex#synchronize'",
    "/usr/lib/ruby/3.3.0/monitor.rb:202:in `mon_enter'",
  ])
    assert.equal(named(report(top, ...IN_FORK)), 'ruby-wait-in-fork-block', top);
  // an exception's backtrace (first line a frame, `from` lines), and Ruby 3.4's Kernel#fork
  const backtrace = [
    "lib/pool.rb:40:in 'Thread#join': stopping (Interrupt)",
    "\tfrom app/worker.rb:12:in 'block in Worker#spawn'",
    "\tfrom app/worker.rb:10:in 'Kernel#fork'",
    "\tfrom app/worker.rb:10:in 'Worker#spawn'",
  ].join('\n');
  assert.equal(named(backtrace), 'ruby-wait-in-fork-block');
});

test('not a fork-block wait: the parent (no fork frame), Process.wait, a bare wait, two threads, fork not right under a block', () => {
  assert.equal(named(report("lib/sched.rb:598:in `pop'", "app/main.rb:3:in `<main>'")), null);
  assert.equal(named(report("app/worker.rb:13:in `wait'", ...IN_FORK)), null);
  assert.equal(named(report("app/worker.rb:13:in 'Process.wait'", ...IN_FORK)), null);
  const two = [
    '* #<Thread:0x00007f3a1c0a8b10 sleep_forever>',
    "   lib/sched.rb:598:in `pop'",
    ...IN_FORK.map((f) => `   ${f}`),
    '* #<Thread:0x00007f3a1c0a9c20 run>',
    "   lib/sched.rb:120:in `run_loop'",
  ].join('\n');
  assert.equal(parseStack(two).threads.length, 2);
  assert.equal(named(two), null);
  assert.equal(
    named(report("lib/sched.rb:598:in `pop'", "app/worker.rb:10:in `fork'", "app/worker.rb:9:in `run'")),
    null,
  );
});
