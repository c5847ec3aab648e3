/**
 * The lenient reader's Python-level shapes (src/capture/parse/lenient.ts):
 * tracebacks and gdb's py-bt (`File "x.py", line 12, in f`, a built-in's call,
 * `Waiting for the GIL`), faulthandler (`line 12 in f`), py-spy dump
 * (`f (x.py:12)`, `f (<frozen importlib._bootstrap>:169)`, with --native
 * `fn (libc.so.6)`) and pystack (`(Python) File "x.py", line 12, in f`, with
 * --native `(C) File "f.c", line 146, in fn (libc.so.6)`). Each recognises
 * one line; the reader keeps the thread order (a traceback "most recent call
 * last" is turned round) and skips the source line after a `File` line.
 */
import type { Frame } from '../types.js';
import { makeFrame } from './common.js';

/** Tracebacks and gdb py-bt (`, in f`); faulthandler's dump (`line 12 in f`, no comma). */
const PY_FILE = /^File "([^"]{1,1000})", line (\d{1,9}),? in (\S{1,512})$/;
/**
 * py-spy dump: `_acquireLock (logging/__init__.py:221)`, with --native `__lll_lock_wait (libc-2.31.so)`. The file
 * may be a pseudo-file in angle brackets, spaces and all (`acquire (<frozen importlib._bootstrap>:169)`), or a
 * Python file in a folder with spaces.
 */
const PY_SPY =
  /^([A-Za-z_<][\w.<>$]{0,511}) \(((?:<[^<>()]{1,256}>(?::\d{1,9})?|[^()]{1,1000}?\.pyx?:\d{1,9}|[^\s()]{1,1000}))\)$/;
const PY_SPY_SOURCE = /^(.{1,1000}):(\d{1,9})$/;
const PY_BUILTIN =
  /^<built-in (?:method|function) ([\w.]{1,256})(?: of ([\w.]{1,256}) object at (?:remote )?0x[0-9a-fA-F]{1,16})?>$/;
const PY_GIL = /^Waiting for the GIL$/;
/** pystack's frames: `(Python) File "x.py", line 12, in f`, and with --native `(C) File "f.c", line 146, in fn (libc.so.6)`. */
const PYSTACK_PYTHON = '(Python) ';
const PYSTACK_PYTHON_FILE = '(Python) File "';
const PYSTACK_C = /^\(C\) File "([^"]{1,1000})", line (\d{1,9}), in (\S{1,512})(?: \(([^()]{1,256})\))?$/;
/** A shared library's file name (py-spy --native prints the module where a Python frame has its file). */
export const LIBRARY_FILE = /^[\w.+-]{1,256}\.(?:so(?:\.[\d.]{1,32})?|dylib|dll|exe)$/;

/** The first characters of the Python lines (a cheap test before their regexes). */
export const PY_FIRST = 'F<W(';
/** Python's own, gdb py-bt's and pystack's (`Traceback for thread 42 (python3) [Has the GIL] (most recent call last):`). */
export const PY_TRACEBACK = /^Traceback (?:for thread \d{1,10} .{0,600})?\(most recent call (first|last)\):$/;

/** A `File "…", line N, in f` line (plain or pystack's): the line after it is its source text, not a frame. */
export function isPythonFileLine(line: string): boolean {
  return line.startsWith('File "') || line.startsWith(PYSTACK_PYTHON_FILE);
}

/** gdb py-bt and Python tracebacks: `File "x.py", line 12, in f`, a built-in's call, `Waiting for the GIL`. */
export function pythonFrame(text: string): Frame | null {
  const native = text.startsWith('(C) ') ? PYSTACK_C.exec(text) : null;
  if (native)
    return makeFrame({
      fn: native[3]!,
      module: native[4] ?? null,
      ...(native[1] === '???' ? {} : { source: `${native[1]}:${native[2]}` }),
    });
  const line = text.startsWith(PYSTACK_PYTHON) ? text.slice(PYSTACK_PYTHON.length) : text;
  const file = PY_FILE.exec(line);
  if (file) return makeFrame({ fn: file[3]!, source: `${file[1]}:${file[2]}` });
  const builtin = PY_BUILTIN.exec(line);
  if (builtin) return makeFrame({ fn: builtin[2] ? `${builtin[2]}.${builtin[1]}` : builtin[1]! });
  return PY_GIL.test(line) ? makeFrame({ fn: 'take_gil' }) : null;
}

/** py-spy: `name (file.py:12)` (the source) or `name (libc.so.6)` (the module, --native). */
export function pySpyFrame(line: string): Frame | null {
  const m = PY_SPY.exec(line);
  if (!m) return null;
  const source = PY_SPY_SOURCE.exec(m[2]!);
  if (source) return makeFrame({ fn: m[1]!, source: `${source[1]}:${source[2]}` });
  return LIBRARY_FILE.test(m[2]!) || m[2]!.includes('.so') ? makeFrame({ fn: m[1]!, module: m[2]! }) : null;
}
