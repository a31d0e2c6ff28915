// cpu-sustained: instances whose CPU stays above the threshold for the configured time (the
// brief: above 85% for 3 hours). Miners run near 100% and flat for as long as nobody notices;
// throttled ones sit flat at 75-95%. CI, ETL and ML jobs run hot too, but in bursts, so the
// run's coefficient of variation and corroboration (mining strings in user data, GuardDuty crypto
// findings, GPU families, launched in the window by a person) set the severity. One finding per
// region lists the instances, so a 128-instance fleet is one finding, not 128.

import { z } from 'zod';
import { longestRunAbove, type HotRun } from './lib/cpu.js';
import type { AuditData } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import { SEVERITY_RANK, type Detector, type Finding, type Severity } from './types.js';
import { bounded, enabledOption, maxSeverity } from './lib/finding.js';
import { corroborator, isConfirmed, isSuspect, type Corroboration } from './lib/instances.js';
import { MINING_STRINGS } from './lib/mining.js';
import { coefficientOfVariation, mean, stddev } from './lib/stats.js';
import { HOUR_MS, iso, round } from './lib/time.js';

const options = z.object({
  enabled: enabledOption,
  thresholdPercent: z.number().min(0).max(100).default(85)
    .describe('CPUUtilization (Average) a datapoint must exceed to count as hot (the brief: 85%).'),
  minHours: z.number().positive().default(3)
    .describe('Hours the CPU must stay above the threshold without a break (the brief: 3 hours).'),
  maxMissingDatapoints: z.number().int().nonnegative().default(2)
    .describe('Consecutive missing datapoints tolerated inside a run (CloudWatch gaps); a datapoint at or below the threshold always ends it.'),
  flatCv: z.number().nonnegative().default(0.03)
    .describe('Coefficient of variation of the run at or below which the CPU counts as flat, the way miners run (3% is about 3 points at 95%).'),
  miningStrings: z.array(z.string()).default([...MINING_STRINGS])
    .describe('Strings in user data that corroborate mining (case-insensitive).'),
}).strict();

export type Options = z.infer<typeof options>;

interface Hot {
  instanceId: string;
  run: HotRun;
  cv: number;
  corroboration: Corroboration;
  severity: Severity;
}

function detect(data: AuditData, o: Options): Finding[] {
  const corroborate = corroborator(data, o.miningStrings);
  const byRegion = new Map<string, Hot[]>();
  for (const series of data.metrics) {
    if (series.metric !== 'CPUUtilization') continue;
    const run = longestRunAbove(series, o.thresholdPercent, o.maxMissingDatapoints, data.window.start, data.window.end);
    if (!run || run.end - run.start < o.minHours * HOUR_MS) continue;
    const cv = coefficientOfVariation(run.values);
    const c = corroborate(series.instanceId);
    const flat = cv <= o.flatCv;
    // Critical: mining confirmed (user data, GuardDuty), or flat like a miner on a GPU or on an
    // instance a person launched during the window. High: flat alone. Medium: bursty but suspect.
    // Low: bursty and nothing else, what CI, ETL and ML jobs look like.
    const severity: Severity = isConfirmed(c) || (flat && isSuspect(c)) ? 'critical' : flat ? 'high' : isSuspect(c) ? 'medium' : 'low';
    const hot: Hot = { instanceId: series.instanceId, run, cv, corroboration: c, severity };
    byRegion.set(series.region, [...(byRegion.get(series.region) ?? []), hot]);
  }

  const findings: Finding[] = [];
  for (const [region, hots] of byRegion) {
    hots.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (b.run.end - b.run.start) - (a.run.end - a.run.start) || a.instanceId.localeCompare(b.instanceId));
    const flat = hots.filter((h) => h.cv <= o.flatCv).length;
    const confirmed = hots.filter((h) => isConfirmed(h.corroboration)).length;
    findings.push({
      id: findingId('cpu-sustained', data.account.id, region),
      detector: 'cpu-sustained',
      severity: maxSeverity(hots.map((h) => h.severity)),
      title: `${hots.length} instance${hots.length === 1 ? '' : 's'} in ${region} above ${o.thresholdPercent}% CPU for ${o.minHours} h or more` +
        ` (${flat} flat${confirmed > 0 ? `, ${confirmed} with mining indicators` : ''})`,
      account: data.account.id,
      region,
      resources: hots.map((h) => ({ type: 'AWS::EC2::Instance', id: h.instanceId, region })),
      firstSeen: iso(Math.min(...hots.map((h) => h.run.start))),
      lastSeen: iso(Math.max(...hots.map((h) => h.run.end))),
      evidence: {
        thresholds: { thresholdPercent: o.thresholdPercent, minHours: o.minHours, flatCv: o.flatCv },
        instanceCount: hots.length,
        flatCount: flat,
        confirmedCount: confirmed,
        instances: bounded(hots.map((h) => ({
          instanceId: h.instanceId,
          instanceType: h.corroboration.instanceType,
          severity: h.severity,
          maxRunHours: round((h.run.end - h.run.start) / HOUR_MS),
          firstAbove: iso(h.run.start),
          runEnd: iso(h.run.end),
          meanCpu: round(mean(h.run.values)),
          stddevCpu: round(stddev(h.run.values)),
          cv: round(h.cv, 4),
          missingDatapoints: h.run.missing,
          miningStrings: h.corroboration.miningStrings,
          guardDutyFindings: h.corroboration.guardDutyFindings,
          accelerated: h.corroboration.accelerated,
          launchedInWindow: h.corroboration.launchedInWindow,
          launchedBy: h.corroboration.launchedBy,
        }))),
      },
      remediations: ['quarantine-instance', 'stop-instance'],
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'cpu-sustained',
    title: 'Sustained high CPU',
    description:
      'Instances whose CPUUtilization (Average) stays above `thresholdPercent` for at least `minHours` without a break in the window ' +
      '(a missing datapoint or two is bridged). The run\'s coefficient of variation tells a flat miner from a bursty job; mining strings in ' +
      'user data, GuardDuty crypto findings, GPU families and launches in the window by a person raise the severity. One finding per region.',
    docs: 'docs/detectors.md#cpu-sustained',
    sources: ['cloudwatch', 'ec2', 'ec2-userdata', 'guardduty', 'cloudtrail'],
    cloudtrailEvents: [{ eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com' }],
  },
  options,
  detect,
};
