/** /proc/PID/fdinfo/FD: "pos:\t0\nflags:\t02000002\nmnt_id:\t15\n..."; flags are octal. */
export function parseFdFlags(fdinfo: string): number | null {
  const m = /^flags:\s*([0-7]{1,12})$/m.exec(fdinfo.slice(0, 4096));
  return m ? Number.parseInt(m[1]!, 8) : null;
}
