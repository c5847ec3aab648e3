/**
 * Never exec'd = still the target's image. procfs: identical cmdline bytes
 * and the same exe (path, and device/inode where both are known). ps: the same
 * args as ps prints them (maybe cut at 80 bytes on illumos, cut the same way
 * for parent and child) and, where fname is the image's name (illumos,
 * Solaris), the same fname. Never comm on Linux: a clone's comm is the name of
 * the *thread* that forked it.
 */
import type { ProcessInfo } from '../scan/types.js';

export interface ImageOptions {
  /** ps on illumos/Solaris: fname names the executable, so compare it too. */
  compareComm?: boolean;
}

export function sameImage(target: ProcessInfo, child: ProcessInfo, opts: ImageOptions = {}): boolean {
  if (child.cmdline.length === 0 || !child.cmdline.equals(target.cmdline)) return false;
  if (opts.compareComm && child.comm !== target.comm) return false;
  if (target.exe !== null && child.exe !== null) {
    if (target.exe !== child.exe || target.exeDeleted !== child.exeDeleted) return false;
    const bothInodes =
      target.exeDev !== null && child.exeDev !== null && target.exeIno !== null && child.exeIno !== null;
    if (bothInodes && (target.exeDev !== child.exeDev || target.exeIno !== child.exeIno)) return false;
  }
  return true;
}

/** The image could only be compared by cmdline (exe unreadable: permission, ps). */
export function comparedByCmdlineOnly(target: ProcessInfo, child: ProcessInfo): boolean {
  return target.exe === null || child.exe === null;
}
