/** /proc/stat (the host's): "btime 1700000000", boot time in seconds since the epoch. */
export function parseBtime(procStat: string): number | null {
  const m = /^btime (\d{1,15})$/m.exec(procStat.slice(0, 1 << 20));
  return m ? Number(m[1]) : null;
}
