// Whether a source answered: a failed source is never read as an empty one (STYLE.md, Prowler).

import type { AuditData, SourceName } from '../../providers/types.js';

/** True when a coverage entry for `source` (in `region`, or "global", or anywhere when omitted) failed. */
export function sourceFailed(data: AuditData, source: SourceName, region?: string): boolean {
  return data.coverage.some((c) =>
    c.source === source && c.status === 'error' && (region === undefined || c.region === region || c.region === 'global'));
}
