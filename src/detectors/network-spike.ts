// network-spike: instances whose network traffic jumps far above their own baseline (the brief:
// a swing above 300%). Compromised hosts download miners and tooling, scan for the next victim
// and talk to pools; the instance's own history is the norm, so a daily backup peak that the
// history already holds is not a spike. Instances with too little history are not judged.

import { z } from 'zod';
import type { AuditData, MetricSeries } from '../providers/types.js';
import { findingId } from '../domain/finding-id.js';
import { SEVERITY_RANK, type Detector, type Finding, type Severity } from './types.js';
import { bounded, enabledOption, maxSeverity } from './lib/finding.js';
import { corroborator, isConfirmed, type Corroboration } from './lib/instances.js';
import { MINING_STRINGS } from './lib/mining.js';
import { median } from './lib/stats.js';
import { HOUR_MS, iso, round } from './lib/time.js';

const MB = 1024 * 1024;

const options = z.object({
  enabled: enabledOption,
  recentHours: z.number().positive().default(1)
    .describe('The recent stretch judged, ending at the end of the window: its median datapoint is compared with the history before it.'),
  swingPercent: z.number().positive().default(300)
    .describe('How far above the baseline median the recent median must be, in percent (the brief: 300%, i.e. 4x).'),
  minRecentMBPerHour: z.number().nonnegative().default(100)
    .describe('Recent traffic (MiB an hour) below which no swing is flagged: small instances swing by ratio on tiny volumes.'),
  minBaselineHours: z.number().positive().default(24)
    .describe('Hours of history before the recent stretch an instance needs to be judged at all.'),
  historyPeakMargin: z.number().min(1).default(1.5)
    .describe("The recent median must also exceed the instance's highest sustained level in its history (over a stretch as long as the recent one) by this factor, so recurring peaks such as backups pass."),
  highFactor: z.number().positive().default(10)
    .describe('A swing to at least this multiple of the baseline is high severity.'),
  miningStrings: z.array(z.string()).default([...MINING_STRINGS])
    .describe('Strings in user data that corroborate mining (case-insensitive).'),
}).strict();

export type Options = z.infer<typeof options>;

interface Swing {
  metric: string;
  recentMedian: number;
  baselineMedian: number;
  historyPeak: number;
  ratio: number;
  mbPerHour: number;
  recentFrom: number;
  recentDatapoints: number;
  baselineDatapoints: number;
}

/**
 * The highest median over `k` consecutive datapoints: the level the instance has sustained
 * before. Windows start every k/4 datapoints, which keeps 1-minute data over weeks cheap; a peak
 * as long as the window still fills three quarters of one, so its median is still the peak.
 */
function sustainedPeak(values: readonly number[], k: number): number {
  const stride = Math.max(1, Math.floor(k / 4));
  let peak = 0;
  for (let i = 0; i + k <= values.length; i += stride) peak = Math.max(peak, median(values.slice(i, i + k)));
  return peak;
}

function judge(series: MetricSeries, o: Options, end: number): Swing | 'not-judged' | undefined {
  const recentFrom = end - o.recentHours * HOUR_MS;
  const recent: number[] = [];
  const history: number[] = [];
  let first = Infinity;
  for (let k = 0; k < series.timestamps.length; k++) {
    const ts = series.timestamps[k] as number;
    if (ts > end) continue;
    if (ts >= recentFrom) recent.push(series.values[k] as number);
    else {
      history.push(series.values[k] as number);
      first = Math.min(first, ts);
    }
  }
  if (recent.length === 0) return undefined;
  if (history.length === 0 || recentFrom - first < o.minBaselineHours * HOUR_MS) return 'not-judged';
  const recentMedian = median(recent);
  const baselineMedian = median(history);
  const historyPeak = sustainedPeak(history, recent.length);
  const mbPerHour = (recentMedian * (3600 / series.period)) / MB;
  const ratio = baselineMedian > 0 ? recentMedian / baselineMedian : Infinity;
  const swing = recentMedian >= (1 + o.swingPercent / 100) * baselineMedian &&
    recentMedian > o.historyPeakMargin * historyPeak && mbPerHour >= o.minRecentMBPerHour;
  if (!swing) return undefined;
  return {
    metric: series.metric, recentMedian, baselineMedian, historyPeak, ratio, mbPerHour, recentFrom,
    recentDatapoints: recent.length, baselineDatapoints: history.length,
  };
}

interface Spiking {
  instanceId: string;
  swings: Swing[];
  corroboration: Corroboration;
  severity: Severity;
}

function detect(data: AuditData, o: Options): Finding[] {
  const corroborate = corroborator(data, o.miningStrings);
  const perInstance = new Map<string, { region: string; swings: Swing[] }>();
  const notJudged = new Map<string, Set<string>>();
  for (const series of data.metrics) {
    if (series.metric !== 'NetworkIn' && series.metric !== 'NetworkOut') continue;
    const verdict = judge(series, o, data.window.end);
    if (verdict === 'not-judged') {
      notJudged.set(series.region, (notJudged.get(series.region) ?? new Set()).add(series.instanceId));
      continue;
    }
    if (!verdict) continue;
    const entry = perInstance.get(series.instanceId) ?? { region: series.region, swings: [] };
    entry.swings.push(verdict);
    perInstance.set(series.instanceId, entry);
  }

  const byRegion = new Map<string, Spiking[]>();
  for (const [instanceId, { region, swings }] of perInstance) {
    const c = corroborate(instanceId);
    // High: a tenfold jump or mining corroborated on the same instance; medium: the brief's swing alone.
    const severity: Severity = swings.some((s) => s.ratio >= o.highFactor) || isConfirmed(c) ? 'high' : 'medium';
    byRegion.set(region, [...(byRegion.get(region) ?? []), { instanceId, swings, corroboration: c, severity }]);
  }

  const findings: Finding[] = [];
  for (const [region, spiking] of byRegion) {
    spiking.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      Math.max(...b.swings.map((s) => s.mbPerHour)) - Math.max(...a.swings.map((s) => s.mbPerHour)) || a.instanceId.localeCompare(b.instanceId));
    const from = Math.min(...spiking.flatMap((s) => s.swings.map((w) => w.recentFrom)));
    findings.push({
      id: findingId('network-spike', data.account.id, region),
      detector: 'network-spike',
      severity: maxSeverity(spiking.map((s) => s.severity)),
      title: `${spiking.length} instance${spiking.length === 1 ? '' : 's'} in ${region} with network traffic over ${o.swingPercent}% above their own baseline`,
      account: data.account.id,
      region,
      resources: spiking.map((s) => ({ type: 'AWS::EC2::Instance', id: s.instanceId, region })),
      firstSeen: iso(from),
      lastSeen: iso(data.window.end),
      evidence: {
        thresholds: { recentHours: o.recentHours, swingPercent: o.swingPercent, minRecentMBPerHour: o.minRecentMBPerHour, historyPeakMargin: o.historyPeakMargin },
        instanceCount: spiking.length,
        notJudgedTooLittleHistory: notJudged.get(region)?.size ?? 0,
        instances: bounded(spiking.map((s) => ({
          instanceId: s.instanceId,
          instanceType: s.corroboration.instanceType,
          severity: s.severity,
          metrics: s.swings.map((w) => ({
            metric: w.metric,
            recentMedianBytes: round(w.recentMedian, 0),
            baselineMedianBytes: round(w.baselineMedian, 0),
            historyPeakBytes: round(w.historyPeak, 0),
            swingPercent: Number.isFinite(w.ratio) ? round((w.ratio - 1) * 100, 0) : null,
            recentMBPerHour: round(w.mbPerHour),
            datapoints: { recent: w.recentDatapoints, baseline: w.baselineDatapoints },
          })),
          miningStrings: s.corroboration.miningStrings,
          guardDutyFindings: s.corroboration.guardDutyFindings,
          launchedBy: s.corroboration.launchedBy,
        }))),
      },
      remediations: ['quarantine-instance'],
    });
  }
  return findings;
}

export const detector: Detector<Options> = {
  meta: {
    id: 'network-spike',
    title: 'Network traffic spike',
    description:
      "Instances whose NetworkIn or NetworkOut (Sum) over the last `recentHours` is at least `swingPercent` above the median of the instance's " +
      'own earlier datapoints, above the highest level it sustained before (so recurring peaks such as backups pass), and at least ' +
      '`minRecentMBPerHour`. Instances with less than `minBaselineHours` of history are not judged (counted in the evidence). One finding per region.',
    docs: 'docs/detectors.md#network-spike',
    sources: ['cloudwatch', 'ec2', 'ec2-userdata', 'guardduty'],
  },
  options,
  detect,
};
