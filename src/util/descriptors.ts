/**
 * Descriptors a child would inherit: Node opens its own close-on-exec, but a
 * descriptor our own parent leaked to us without close-on-exec passes on to
 * every program we start, tracers included (run-boxed.ts).
 */
import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** O_CLOEXEC in /proc/self/fdinfo's octal flags. */
const O_CLOEXEC = 0o2000000;

/**
 * Close descriptors above 2 that would pass to every child (no O_CLOEXEC):
 * Node opens its own with O_CLOEXEC, so these came from our parent and would
 * reach the tracers. Returns the fds closed. Called once, at daemon start.
 */
export function closeStrayDescriptors(): number[] {
  const closed: number[] = [];
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fdinfo');
  } catch {
    return closed;
  }
  const ipc = Number(process.env.NODE_CHANNEL_FD ?? -1);
  for (const name of fds) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2 || fd === ipc) continue;
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // the directory's own fd, closed already
    }
    const flags = /^flags:\s+([0-7]{1,12})$/m.exec(info)?.[1];
    if (flags === undefined || (parseInt(flags, 8) & O_CLOEXEC) !== 0) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      /* not ours to close after all */
    }
  }
  return closed;
}
