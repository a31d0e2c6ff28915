// RunInstances records read as launches: which instances, of which types, by whom. Shared by
// fleet-spinup (volume against the baseline) and the detectors that ask "did this actor also
// launch instances?".

import type { AuditData, CloudTrailRecord } from '../../providers/types.js';
import { actorOf, isServiceCall, succeeded, type RecordActor } from './cloudtrail.js';
import { field, list, num, str } from './json.js';
import { eventTimeMs } from './time.js';

export interface LaunchedInstance {
  /** Missing when the record has no responseElements (the count then comes from the request). */
  id?: string;
  type: string;
}

export interface Launch {
  record: CloudTrailRecord;
  time: number;
  region: string;
  actor: RecordActor;
  instances: LaunchedInstance[];
}

/** AWS services whose launches are scaling, not a person: the defaults of fleet-spinup's `trustedLaunchers`. */
export const SERVICE_LAUNCHERS = ['autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'] as const;

/** The instances a successful RunInstances record started; empty for failed or dry-run calls. */
function launchOf(record: CloudTrailRecord): Launch | undefined {
  if (record.eventName !== 'RunInstances' || !succeeded(record)) return undefined;
  const requestType = str(field(record.requestParameters, 'instanceType')) ?? 'unknown';
  const items = list(field(record.responseElements, 'instancesSet'));
  let instances: LaunchedInstance[] = items.map((item) => {
    const launched: LaunchedInstance = { type: str(field(item, 'instanceType')) ?? requestType };
    const id = str(field(item, 'instanceId'));
    if (id) launched.id = id;
    return launched;
  });
  if (instances.length === 0) {
    const requested = list(field(record.requestParameters, 'instancesSet'))[0];
    const count = num(field(requested, 'minCount')) ?? 1;
    instances = Array.from({ length: count }, () => ({ type: requestType }));
  }
  return { record, time: eventTimeMs(record), region: record.awsRegion, actor: actorOf(record), instances };
}

export function launchesIn(records: readonly CloudTrailRecord[]): Launch[] {
  const out: Launch[] = [];
  for (const r of records) {
    const launch = launchOf(r);
    if (launch) out.push(launch);
  }
  return out;
}

/** Who launched each instance the CloudTrail data names, by instance id. */
export function launcherByInstance(data: AuditData): Map<string, Launch> {
  const out = new Map<string, Launch>();
  for (const launch of launchesIn(data.cloudtrail.events)) {
    for (const i of launch.instances) if (i.id) out.set(i.id, launch);
  }
  return out;
}

export const isTrustedLaunch = (launch: Launch, trusted: readonly string[]): boolean => isServiceCall(launch.record, trusted);
