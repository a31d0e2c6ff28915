// What else is known about an instance that a metric flagged: corroboration that turns "busy" into
// "mining" (AWS-FACTS.md: high CPU alone is noisy, so corroborate).

import type { AuditData, Instance } from '../../providers/types.js';
import { isAccelerated } from '../../domain/instance-types.js';
import { isTrustedLaunch, launcherByInstance, SERVICE_LAUNCHERS, type Launch } from './launches.js';
import { cryptoFindingsByResource, miningIndicators } from './mining.js';

export interface Corroboration {
  instanceType?: string;
  /** Mining strings found in the instance's user data. */
  miningStrings: string[];
  /** GuardDuty crypto finding types naming the instance. */
  guardDutyFindings: string[];
  accelerated: boolean;
  launchedInWindow: boolean;
  /** The principal whose RunInstances call started it, when that was a person, not AWS scaling. */
  launchedBy?: string;
}

/** Builds a lookup of corroborating facts per instance id, computed once per detector run. */
export function corroborator(data: AuditData, miningStrings: readonly string[]): (instanceId: string) => Corroboration {
  const instances = new Map<string, Instance>(data.ec2.instances.map((i) => [i.id, i]));
  const crypto = cryptoFindingsByResource(data.guardduty.findings);
  const launchers = launcherByInstance(data);
  return (instanceId) => {
    const instance = instances.get(instanceId);
    const launch: Launch | undefined = launchers.get(instanceId);
    const out: Corroboration = {
      miningStrings: miningIndicators(instance?.userData, miningStrings),
      guardDutyFindings: crypto.get(instanceId) ?? [],
      accelerated: instance ? isAccelerated(instance.type) : false,
      launchedInWindow: instance ? instance.launchTime >= data.window.start && instance.launchTime <= data.window.end : false,
    };
    if (instance) out.instanceType = instance.type;
    if (launch && !isTrustedLaunch(launch, SERVICE_LAUNCHERS)) out.launchedBy = launch.actor.arn;
    return out;
  };
}

/** Mining strings in user data or a GuardDuty crypto finding: evidence of mining on its own. */
export const isConfirmed = (c: Corroboration): boolean => c.miningStrings.length > 0 || c.guardDutyFindings.length > 0;

/** Circumstances that make a busy instance suspect: a GPU family, or launched by a person during the window. */
export const isSuspect = (c: Corroboration): boolean => c.accelerated || (c.launchedInWindow && c.launchedBy !== undefined);
