/** Core size estimate from smaps (synthetic smaps text: one row per kind of mapping gdb's gcore treats differently) and the cores directory's sweep plan. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCoreBytes, parseCoredumpFilter, DEFAULT_COREDUMP_FILTER } from '../../src/capture/core-estimate.js';
import { planSweep, type CoreFile } from '../../src/capture/core-files.js';

const MiB = 1024 * 1024;

function mapping(
  start: number,
  size: number,
  perms: string,
  inode: number,
  path: string,
  opts: { anonymousKb?: number; flags?: string; offset?: string } = {},
): string {
  const hex = (n: number) => n.toString(16).padStart(12, '0');
  return [
    `${hex(start)}-${hex(start + size)} ${perms} ${opts.offset ?? '00000000'} ${inode ? 'fe:01' : '00:00'} ${inode}${path ? `                    ${path}` : ''}`,
    `Size:             ${size / 1024} kB`,
    'Rss:                   4 kB',
    `Anonymous:      ${opts.anonymousKb ?? 0} kB`,
    `VmFlags: ${opts.flags ?? 'rd mr mw me ac'}`,
  ].join('\n');
}

const SMAPS = [
  mapping(0x1000000, 2 * MiB, 'r-xp', 1234, '/usr/bin/java'), // file private, clean: header page only
  mapping(0x2000000, 1 * MiB, 'rw-p', 1234, '/usr/bin/java', { anonymousKb: 8, offset: '00200000' }), // CoW'd .data: counted as anonymous
  mapping(0x3000000, 64 * MiB, 'rw-p', 0, '[heap]'), // anon private
  mapping(0x8000000, 512 * MiB, '---p', 0, ''), // PROT_NONE reservation (the Java heap's): gcore writes it
  mapping(0x30000000, 16 * MiB, 'rw-p', 0, '', { flags: 'rd wr mr mw me dd ac' }), // MADV_DONTDUMP
  mapping(0x40000000, 4 * MiB, 'rw-s', 99, '/dev/shm/x'), // file shared: not with 0x33
  mapping(0x50000000, 2 * MiB, 'rw-s', 0, '/SYSV00000000 (deleted)'), // anon shared (inode 0)
].join('\n');

test('estimateCoreBytes: what gdb gcore writes under the default coredump_filter 0x33', () => {
  const e = estimateCoreBytes(SMAPS);
  assert.equal(e.mappings, 7);
  assert.equal(e.filter, DEFAULT_COREDUMP_FILTER);
  // A header page for each clean file mapping at offset 0 (gdb writes it only when it is an ELF header: an
  // estimate may be a page high per mapping) + 1 MiB .data + 64 MiB heap + 512 MiB PROT_NONE + 2 MiB anon shared.
  assert.equal(e.bytes, 2 * 4096 + (1 + 64 + 512 + 2) * MiB);
  assert.equal(e.dumped, 4);
  assert.deepEqual(e.warnings, []);
});

test('estimateCoreBytes: the filter bits decide (0x3f: file mappings in full; 0: nothing; 0x10: header pages only)', () => {
  assert.equal(estimateCoreBytes(SMAPS, 0x3f).bytes, (2 + 1 + 64 + 512 + 4 + 2) * MiB); // file private and shared in full
  assert.equal(estimateCoreBytes(SMAPS, 0).bytes, 0);
  assert.equal(estimateCoreBytes(SMAPS, 0x10).bytes, 4096 + 4096, 'ELF header pages of both file mappings at offset 0');
});

test('estimateCoreBytes and parseCoredumpFilter are total', () => {
  assert.deepEqual(estimateCoreBytes('').warnings, ['no mappings parsed']);
  assert.equal(estimateCoreBytes('garbage\n\u0000\nSize: x').bytes, 0);
  assert.equal(estimateCoreBytes(`${'x'.repeat(100_000)}\n${SMAPS}`).bytes > 0, true);
  assert.equal(parseCoredumpFilter('00000033\n'), 0x33);
  assert.equal(parseCoredumpFilter('0000003f'), 0x3f);
  assert.equal(parseCoredumpFilter(null), DEFAULT_COREDUMP_FILTER);
  assert.equal(parseCoredumpFilter('zz'), DEFAULT_COREDUMP_FILTER);
});

const file = (incidentId: string, bytes: number, mtimeMs: number): CoreFile => ({
  name: `${incidentId}.1`,
  path: `/x/${incidentId}.1`,
  incidentId,
  pid: 1,
  bytes,
  mtimeMs,
});

test('planSweep: unwanted incidents first, then the oldest until the rest plus the reserve fit', () => {
  const files = [file('a', 100, 1), file('b', 100, 2), file('c', 100, 3), file('d', 100, 4)];
  const keepAll = () => null;
  assert.deepEqual(planSweep(files, keepAll, 400), []);
  assert.deepEqual(
    planSweep(files, keepAll, 400, 100).map((d) => d.file.incidentId),
    ['a'],
    'room for the next core: oldest goes',
  );
  assert.deepEqual(
    planSweep(files, keepAll, 250).map((d) => d.file.incidentId),
    ['a', 'b'],
  );
  const plan = planSweep(files, (id) => (id === 'c' ? 'no such incident' : null), 400, 100);
  assert.deepEqual(
    plan.map((d) => [d.file.incidentId, d.reason]),
    [['c', 'no such incident']],
    'removing c already makes room',
  );
  assert.match(planSweep(files, keepAll, 100)[0]!.reason, /oldest removed/);
});
