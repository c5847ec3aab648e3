/** /proc/PID/cmdline: NUL-separated argv bytes, compared byte-exactly. */

export interface Cmdline {
  /** The bytes as read (copied): what never-exec'd comparison uses. */
  raw: Buffer;
  /** argv split on NUL, trailing empty element dropped. Bytes, not decoded. */
  args: Buffer[];
}

export function parseCmdline(bytes: Buffer): Cmdline {
  const raw = Buffer.from(bytes);
  const args: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      args.push(raw.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < raw.length) args.push(raw.subarray(start));
  return { raw, args };
}

/** argv joined by spaces, decoded for display and for target regexes only. */
export function cmdlineText(raw: Buffer): string {
  const end = raw.length > 0 && raw[raw.length - 1] === 0 ? raw.length - 1 : raw.length;
  return raw.subarray(0, end).toString('utf8').replaceAll('\0', ' ');
}
