/** The resolved configuration the rest of forkwatch sees: durations in ms, secrets read. */
import type { SafeRegex } from '../util/safe-regex.js';
import type { RawConfig } from './schema.js';

export interface TargetConfig {
  name: string;
  pid?: number;
  pidfile?: string;
  cmdline?: SafeRegex;
  exe?: SafeRegex;
  user?: SafeRegex;
}

export type CaptureToolName = RawConfig['capture']['order'][number];
export type RemediationMode = RawConfig['remediation']['mode'];

export interface Config {
  targets: TargetConfig[];
  hungAfterMs: number;
  intervalMs: number;
  rediscoverIntervalMs: number;
  procRoot: string;
  source: RawConfig['source'];
  tools: RawConfig['tools'];
  capture: {
    enabled: boolean;
    order: CaptureToolName[];
    timeoutMs: number;
    maxOutputBytes: number;
    concurrency: number;
    /** 0: capture each identity once. */
    recaptureAfterMs: number;
    /** One stack of each never-exec'd child older than hungAfter that is not overdue (src/daemon/second-look.ts). */
    secondLook: boolean;
  };
  signatures: { paths: string[] };
  audit: { rulePaths: string[] };
  stateDir: string;
  retentionMs: number;
  /** Cron expressions (validated), run by src/daemon/clock.ts in `timezone`; digest null: off. */
  schedules: { retention: string; audit: string; digest: string | null };
  /** IANA zone the schedules are read in (the host's unless set). */
  timezone: string;
  listen: { host: string; port: number };
  /** Bearer token for mutating endpoints; null: they answer 403. */
  authToken: string | null;
  publicUrl: string | null;
  alerts: {
    slack: { webhookUrl: string | null; repeatIntervalMs: number; timeoutMs: number };
    alertmanager: { urls: string[]; resendIntervalMs: number; timeoutMs: number };
  };
  remediation: { mode: RemediationMode; signatures: string[]; minAgeMs: number };
  threadDump: { enabled: boolean; timeoutMs: number };
  core: { enabled: boolean; maxBytes: number };
  /** Operator patterns for src/util/redact.ts (the built-in rules always apply). */
  redact: { patterns: SafeRegex[] };
  log: { level: RawConfig['log']['level']; pretty: 'auto' | boolean };
}
