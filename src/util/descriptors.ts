/**
 * Descriptors a child would inherit: Node opens its own close-on-exec, but a
 * descriptor our own parent leaked to us without close-on-exec passes on to
 * every program we start, tracers included (run-boxed.ts).
 */
import { closeSync } from 'node:fs';
import { ownProc } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';
import { parseFdFlags } from '../proc/parse/fdinfo.js';

/** O_CLOEXEC in fdinfo's flags. */
const O_CLOEXEC = 0o2000000;

/**
 * Close descriptors above 2 that would pass to every child (no O_CLOEXEC):
 * Node opens its own with O_CLOEXEC, so these came from our parent and would
 * reach the tracers. Returns the fds closed. Called once, at daemon start.
 */
export function closeStrayDescriptors(): number[] {
  const closed: number[] = [];
  const fds = ownProc.list('self', 'fdinfo');
  if (isFailure(fds)) return closed;
  const ipc = Number(process.env.NODE_CHANNEL_FD ?? -1);
  for (const name of fds) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2 || fd === ipc) continue;
    const info = ownProc.text('self', `fdinfo/${fd}`, 4096);
    if (isFailure(info)) continue; // the directory's own fd, closed already
    const flags = parseFdFlags(info);
    if (flags === null || (flags & O_CLOEXEC) !== 0) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      /* not ours to close after all */
    }
  }
  return closed;
}
