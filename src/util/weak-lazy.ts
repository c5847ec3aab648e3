/**
 * A value built on first use and held only weakly: rebuilt if the GC has
 * taken it. For things needed at start and rarely after, such as the ajv
 * validators of the config and of signature files: compiled, with their Ajv
 * instances, they hold 1.4 MB of heap that a module-level constant would keep
 * for the life of the daemon (RSS budget, bench/RESULTS.md "daemon").
 */
export function weakLazy<T extends object>(build: () => T): () => T {
  let ref: WeakRef<T> | null = null;
  return () => {
    const kept = ref?.deref();
    if (kept) return kept;
    const made = build();
    ref = new WeakRef(made);
    return made;
  };
}
