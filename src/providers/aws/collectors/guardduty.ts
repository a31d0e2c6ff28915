// GuardDuty: whether each region has an enabled detector (a disabled or deleted one is a
// tampering signal), and its findings updated in the window (crypto findings corroborate).

import { GetDetectorCommand, GetFindingsCommand, paginateListDetectors, paginateListFindings } from '@aws-sdk/client-guardduty';
import type { GuardDutyDetector, GuardDutyFinding } from '../../types.js';
import { toMs, type CollectContext } from '../collector.js';

export const PERMISSIONS = ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:ListFindings', 'guardduty:GetFindings'] as const;

/** GuardDuty answers GetFindings for at most 50 ids a call. */
const FINDINGS_PER_CALL = 50;
/** Findings read per detector; the highest-severity ones come first. */
const MAX_FINDINGS = 500;

/** The region's detectors and whether each is enabled. */
export async function listGuardDutyDetectors(ctx: CollectContext, region: string): Promise<GuardDutyDetector[]> {
  const client = ctx.clients.guardduty(region);
  const detectors: GuardDutyDetector[] = [];
  for await (const page of paginateListDetectors({ client, pageSize: 50 }, {})) {
    for (const id of page.DetectorIds ?? []) {
      const detector = await client.send(new GetDetectorCommand({ DetectorId: id }));
      detectors.push({ region, id, status: detector.Status === 'ENABLED' ? 'ENABLED' : 'DISABLED' });
    }
  }
  return detectors;
}

/** Findings updated since `since` (default: the window's start), highest severity first. */
export async function collectGuardDutyFindings(ctx: CollectContext, region: string, detectors: GuardDutyDetector[], since = ctx.window.start): Promise<GuardDutyFinding[]> {
  const client = ctx.clients.guardduty(region);
  const findings: GuardDutyFinding[] = [];
  for (const { id } of detectors) {
    const ids: string[] = [];
    const criteria = { Criterion: { updatedAt: { GreaterThanOrEqual: since } } };
    for await (const fp of paginateListFindings({ client, pageSize: 50 }, { DetectorId: id, FindingCriteria: criteria, SortCriteria: { AttributeName: 'severity', OrderBy: 'DESC' } })) {
      ids.push(...(fp.FindingIds ?? []));
      if (ids.length >= MAX_FINDINGS) break;
    }
    for (let i = 0; i < ids.length; i += FINDINGS_PER_CALL) {
      const out = await client.send(new GetFindingsCommand({ DetectorId: id, FindingIds: ids.slice(i, i + FINDINGS_PER_CALL) }));
      for (const f of out.Findings ?? []) {
        findings.push({
          id: f.Id ?? '',
          region,
          type: f.Type ?? '',
          severity: f.Severity ?? 0,
          title: f.Title,
          createdAt: toMs(f.CreatedAt),
          updatedAt: toMs(f.UpdatedAt),
          resourceIds: [f.Resource?.InstanceDetails?.InstanceId, f.Resource?.AccessKeyDetails?.AccessKeyId].filter((v): v is string => Boolean(v)),
        });
      }
    }
  }
  return findings;
}
