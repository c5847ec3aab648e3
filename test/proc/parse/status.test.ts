import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStopPending, parseStatus, type StatusFields } from '../../../src/proc/parse/status.js';

const NONE: StatusFields = {
  stateCode: null,
  threads: null,
  tracerPid: null,
  realUid: null,
  effectiveUid: null,
  effectiveGid: null,
  voluntaryCtxtSwitches: null,
  nonvoluntaryCtxtSwitches: null,
  sigPnd: null,
  shdPnd: null,
  capEff: null,
};

test('parseStatus: table', () => {
  const rows: { name: string; input: string; want: Partial<StatusFields> }[] = [
    {
      name: 'valid (real and effective uid differ)',
      input:
        'Name:\tjava\nState:\tS (sleeping)\nTgid:\t5\nUid:\t1000\t1001\t1000\t1000\nGid:\t50\t51\t50\t50\nThreads:\t42\n',
      want: { stateCode: 'S', threads: 42, realUid: 1000, effectiveUid: 1001, effectiveGid: 51 },
    },
    { name: 'zombie', input: 'State:\tZ (zombie)\nThreads:\t1\n', want: { stateCode: 'Z', threads: 1 } },
    { name: 'empty', input: '', want: {} },
    { name: 'truncated mid-line', input: 'State:\tS (sleeping)\nUid:\t10', want: { stateCode: 'S', realUid: 10 } },
    { name: 'garbage values', input: 'State:\t??\nThreads:\tmany\nUid:\ta b c d\nSigPnd:\tzz\n', want: {} },
  ];
  for (const row of rows) assert.deepEqual(parseStatus(row.input), { ...NONE, ...row.want }, row.name);
});

test('parseStatus: signal masks, tracer, context switches, capabilities; isStopPending', () => {
  const st = parseStatus(
    'Name:\tdeadlocker\nState:\tS (sleeping)\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nThreads:\t1\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000040000\nCapEff:\t000001fffeffffff\nvoluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n',
  );
  assert.deepEqual(
    [st.stateCode, st.threads, st.tracerPid, st.realUid, st.voluntaryCtxtSwitches, st.nonvoluntaryCtxtSwitches],
    ['S', 1, 0, 1000, 1, 0],
  );
  assert.equal(st.capEff, 0x1fffeffffffn);
  assert.equal(isStopPending(st), true, 'bit 18 = SIGSTOP (19) pending');
  assert.equal(isStopPending(parseStatus('SigPnd:\t0000000000000100\n')), false);
});
