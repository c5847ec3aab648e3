/** /proc/PID/exe: link text, " (deleted)" appended when the image is gone. */
const DELETED = ' (deleted)';

export function parseExeLink(link: string): { path: string; deleted: boolean } {
  return link.endsWith(DELETED)
    ? { path: link.slice(0, -DELETED.length), deleted: true }
    : { path: link, deleted: false };
}
