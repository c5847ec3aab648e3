/**
 * Run by tracer-box.test.ts as a separate node process started with an extra
 * descriptor (fd 300) inherited without close-on-exec, as a daemon started by
 * a careless parent would have. argv[2] 'close': closeStrayDescriptors first
 * (what `forkwatch run` does at start); 'keep': not. Prints, as JSON, the
 * descriptors a boxed program saw and the ones closed.
 */
import { runProgram } from '../../src/util/run-program.js';
import { closeStrayDescriptors } from '../../src/util/descriptors.js';
import { tracerBox } from '../../src/capture/tools.js';

const closed = process.argv[2] === 'close' ? closeStrayDescriptors() : [];
const box = tracerBox(5000);
if ('error' in box) throw new Error(box.error);
const r = await runProgram('/bin/sh', ['-c', 'ls /proc/$$/fd'], { timeoutMs: 5000, maxOutputBytes: 4096, box });
process.stdout.write(
  JSON.stringify({
    closed,
    fds: r.stdout
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .sort((a, b) => a - b),
  }),
);
