/** The ELF reader on real objects built here: one that registers a fork handler, one that does not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfAtforkImports } from '../../../src/audit/elf-imports.js';
import { requireTool } from '../../helpers/native-build.js';

const readerOf = (bytes: Buffer) => (o: number, l: number) => (o + l > bytes.length ? null : bytes.subarray(o, o + l));

test('a shared object calling pthread_atfork imports it; one that does not, does not; text is not ELF', () => {
  requireTool('gcc');
  const dir = mkdtempSync(join(tmpdir(), 'fw-elf-'));
  try {
    writeFileSync(
      join(dir, 'with.c'),
      '#include <pthread.h>\nstatic void h(void){}\n__attribute__((constructor)) static void i(void){ pthread_atfork(0,0,h); }\n',
    );
    writeFileSync(join(dir, 'without.c'), 'int f(int x){ return x + 1; }\n');
    for (const n of ['with', 'without'])
      execFileSync('gcc', ['-shared', '-fPIC', '-s', '-o', join(dir, `${n}.so`), join(dir, `${n}.c`), '-lpthread'], {
        timeout: 60_000,
      });
    const withAtfork = readElfAtforkImports(readerOf(readFileSync(join(dir, 'with.so'))));
    assert.ok(!('error' in withAtfork) && withAtfork.atfork.length === 1, JSON.stringify(withAtfork));
    assert.deepEqual(readElfAtforkImports(readerOf(readFileSync(join(dir, 'without.so')))), { atfork: [] });
    assert.deepEqual(readElfAtforkImports(readerOf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)))), {
      error: 'not an ELF object',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
