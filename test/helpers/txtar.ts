/**
 * Text archives (the txtar format of Go's tools, as prometheus/procfs keeps
 * its fake /proc): a comment, then files, each after a "-- NAME --" line.
 * A file's text ends with a newline unless the name ends with " [noeol]"
 * (wchan, children: the kernel writes no newline there). "\0" in a file's
 * text is a NUL byte (cmdline, environ).
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TxtarFile {
  name: string;
  /** Text as archived; bytes where a programmatic case needs exact ones (a non-UTF-8 cmdline). */
  data: string | Buffer;
}

const HEADER = /^-- (.+?) --$/;

export function parseTxtar(text: string): { comment: string; files: TxtarFile[] } {
  const lines = text.split('\n');
  const files: TxtarFile[] = [];
  const comment: string[] = [];
  let cur: { name: string; lines: string[] } | null = null;
  const flush = () => {
    if (!cur) return;
    const noEol = cur.name.endsWith(' [noeol]');
    const body = cur.lines.join('\n');
    files.push({
      name: noEol ? cur.name.slice(0, -' [noeol]'.length) : cur.name,
      data: noEol ? body.replace(/\n$/, '') : body,
    });
  };
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m) {
      flush();
      cur = { name: m[1]!, lines: [] };
    } else if (cur) cur.lines.push(line);
    else comment.push(line);
  }
  flush();
  return { comment: comment.join('\n'), files };
}

/**
 * Write the files under root. "NAME -> TARGET" files are symlinks (exe, fd/N);
 * a name ending in "/" is an empty directory.
 */
export function materialize(root: string, files: readonly TxtarFile[]): void {
  for (const f of files) {
    const link = / -> (.+)$/.exec(f.name);
    const name = link ? f.name.slice(0, link.index) : f.name;
    const path = join(root, name);
    if (name.endsWith('/')) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (link) symlinkSync(link[1]!, path);
    else writeFileSync(path, typeof f.data === 'string' ? Buffer.from(f.data.replaceAll('\\0', '\0'), 'utf8') : f.data);
  }
}

export function readTxtar(path: string): TxtarFile[] {
  return parseTxtar(readFileSync(path, 'utf8')).files;
}
