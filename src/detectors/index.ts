// Every detector, in the contract's order (CONTRACT.md, "Detector ids").

import { detector as billSpike } from './bill-spike.js';
import { detector as cpuSustained } from './cpu-sustained.js';
import { detector as fleetSpinup } from './fleet-spinup.js';
import { detector as iamCredentialActivity } from './iam-credential-activity.js';
import { detector as networkSpike } from './network-spike.js';
import { detector as sgOpenIngress } from './sg-open-ingress.js';
import { detector as trailTampering } from './trail-tampering.js';
import type { Detector, DetectorId } from './types.js';

export const DETECTORS: readonly Detector[] = [
  fleetSpinup,
  sgOpenIngress,
  billSpike,
  cpuSustained,
  networkSpike,
  iamCredentialActivity,
  trailTampering,
];

const BY_ID = new Map(DETECTORS.map((d) => [d.meta.id, d]));

export function detectorById(id: DetectorId): Detector;
export function detectorById(id: string): Detector | undefined;
export function detectorById(id: string): Detector | undefined {
  return BY_ID.get(id as DetectorId);
}
