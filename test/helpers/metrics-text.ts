/** Reading one series out of a /metrics text exposition (the live daemon tests). */

/** The value of `name{labels}` (labels as printed: `target="jenkins",signature="x"`; '' for none), or null when absent. */
export function metricValue(text: string, name: string, labels = ''): number | null {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(prefix.length)) : null;
}
