/**
 * Facts + rules → reasons and a risk level. Pure: no reads, no clock. A rule
 * holds when every one of its conditions does; each condition that holds
 * names its evidence. Risk is the highest level among the rules that hold.
 */
import { compareVersions } from './parse-proc.js';
import type { AuditReason, CompiledCondition, CompiledRule, Evidence, ProcessFacts, RiskLevel } from './types.js';

export function evaluateRules(
  facts: ProcessFacts,
  rules: readonly CompiledRule[],
): { risk: RiskLevel; reasons: AuditReason[] } {
  const reasons: AuditReason[] = [];
  for (const rule of rules) {
    const evidence: Evidence[] = [];
    let holds = true;
    for (const c of rule.when) {
      const e = conditionEvidence(c, facts);
      if (e === null) {
        holds = false;
        break;
      }
      evidence.push(e);
    }
    if (!holds) continue;
    reasons.push({
      rule: rule.id,
      title: rule.title,
      level: rule.level,
      evidence: evidence[0]!,
      evidenceAll: evidence,
      why: rule.why.trim(),
      prevention: rule.prevention.trim(),
      source: rule.sources,
    });
  }
  reasons.sort((a, b) => (a.level === b.level ? 0 : a.level === 'high' ? -1 : 1));
  const risk: RiskLevel = reasons.some((r) => r.level === 'high') ? 'high' : reasons.length > 0 ? 'low' : 'none';
  return { risk, reasons };
}

/** The evidence for one condition, or null when it does not hold. */
export function conditionEvidence(c: CompiledCondition, f: ProcessFacts): Evidence | null {
  const ev = (text: string): Evidence => ({ kind: c.kind, text });
  const test = (s: string) => (c.re ? c.re.test(s) : true);
  const present = (found: string | null, absentText: string): Evidence | null => {
    const absent = 'absent' in c && c.absent === true;
    if (absent) return found === null ? ev(absentText) : null;
    return found === null ? null : ev(found);
  };
  switch (c.kind) {
    case 'library': {
      const hit = [...(f.executable ? [f.executable] : []), ...f.libraries].find((o) => test(o.path));
      return present(hit ? `mapped: ${hit.path}` : null, `no mapped object matches /${c.pattern}/`);
    }
    case 'argument': {
      const hit = f.args.find((a) => test(a));
      return present(hit === undefined ? null : `argument: ${hit}`, `no argument matches /${c.pattern}/`);
    }
    case 'property': {
      const p = f.properties[c.name];
      const hit = p !== undefined && test(p.value) ? `${c.name}=${p.value} (${p.from})` : null;
      return present(hit, `${c.name} not set${c.pattern ? ` to /${c.pattern}/` : ''}`);
    }
    case 'environment': {
      if (f.environment === null) return null; // unreadable: neither present nor absent is known
      const v = f.environment[c.name];
      return present(v !== undefined && v !== '' && test(v) ? `${c.name}=${v}` : null, `${c.name} not set`);
    }
    case 'atfork-import': {
      const objects = c.object === 'executable' ? (f.executable ? [f.executable] : []) : f.libraries;
      const hit = objects.find((o) => o.atforkImport === true && test(o.path));
      return present(
        hit ? `${hit.path} imports pthread_atfork/__register_atfork (its own fork handler)` : null,
        `no ${c.object} registers a fork handler`,
      );
    }
    case 'threads':
      return f.threads !== null && f.threads >= c.atLeast ? ev(`Threads: ${f.threads} (≥ ${c.atLeast})`) : null;
    case 'platform':
      return f.platform === c.is ? ev(`platform: ${f.platform}`) : null;
    case 'libc':
      return f.libc?.name === c.name && f.libc.version !== null && compareVersions(f.libc.version, c.below) < 0
        ? ev(`${c.name} ${f.libc.version} (${f.libc.path}) is older than ${c.below}`)
        : null;
    case 'os': {
      if (!f.os || !test(f.os.id)) return null;
      if (c.below === undefined) return ev(`os-release: ${f.os.prettyName ?? f.os.id}`);
      return f.os.versionId !== null && compareVersions(f.os.versionId, c.below) < 0
        ? ev(`os-release: ${f.os.id} ${f.os.versionId} is older than ${c.below}`)
        : null;
    }
  }
}
