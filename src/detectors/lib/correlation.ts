// "Did this actor also launch instances or open ports?": the corroboration that turns an IAM
// change or a trail change into the crypto-mining story (credential -> persistence -> capacity).

import type { AuditData } from '../../providers/types.js';
import { actorOf, windowEvents, type RecordActor } from './cloudtrail.js';
import { INGRESS_EVENTS, ingressOpened } from './ingress.js';
import { SERVICE_LAUNCHERS, isTrustedLaunch, launchesIn } from './launches.js';
import { isInternetCidr } from './network.js';

/** The events `actorActivity` reads: detectors that use it declare these too, so they are collected. */
export const CORRELATION_EVENTS = [
  { eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com' },
  ...INGRESS_EVENTS.map((eventName) => ({ eventName, eventSource: 'ec2.amazonaws.com' })),
];

export interface ActorActivity {
  /** Principal ARNs and access key ids that launched instances in the window (not AWS scaling). */
  launched: Set<string>;
  /** Principal ARNs and access key ids that opened a security group to the internet in the window. */
  openedIngress: Set<string>;
}

export function actorActivity(data: AuditData): ActorActivity {
  const launched = new Set<string>();
  for (const launch of launchesIn(windowEvents(data, ['RunInstances']))) {
    if (isTrustedLaunch(launch, SERVICE_LAUNCHERS)) continue;
    add(launched, launch.actor);
  }
  const openedIngress = new Set<string>();
  for (const record of windowEvents(data, INGRESS_EVENTS)) {
    if (ingressOpened(record).some((o) => isInternetCidr(o.cidr))) add(openedIngress, actorOf(record));
  }
  return { launched, openedIngress };
}

function add(set: Set<string>, actor: Pick<RecordActor, 'arn' | 'accessKeyId'>): void {
  set.add(actor.arn);
  if (actor.accessKeyId) set.add(actor.accessKeyId);
}

/** What `actor` did besides the finding at hand: "launched-instances", "opened-ingress". */
export function alsoDid(activity: ActorActivity, actor: Pick<RecordActor, 'arn' | 'accessKeyId'>): string[] {
  const keys = [actor.arn, actor.accessKeyId].filter((k): k is string => k !== undefined);
  const out: string[] = [];
  if (keys.some((k) => activity.launched.has(k))) out.push('launched-instances');
  if (keys.some((k) => activity.openedIngress.has(k))) out.push('opened-ingress');
  return out;
}
