/** Shared by test/audit/audit.test.ts and test/live/audit/audit.test.ts. */
import { parseRuleText } from '../../src/audit/index.js';

export const RULES = parseRuleText(
  `version: "1.0"
rules:
  - id: any-argument
    title: shows an argument
    level: low
    why: test
    prevention: none
    sources: [{ title: t, url: "https://example.org" }]
    when: [{ kind: argument, pattern: 'password' }]
  - id: preload
    title: shows LD_PRELOAD
    level: low
    why: test
    prevention: none
    sources: [{ title: t, url: "https://example.org" }]
    when: [{ kind: environment, name: LD_PRELOAD, pattern: '.' }]
`,
  '/test/rules.yaml',
).rules;
