/** /proc/PID/wchan: a kernel symbol, "0" (or empty) when not blocked or hidden from us. */
export function parseWchan(text: string): string | null {
  const s = text.trim();
  return s === '' || s === '0' || s.length > 128 ? null : s;
}
