// The built-in `rigwatch demo` scenario: the incident in the project's brief, in acme-health's
// account. The normal account (acme.ts) with the attack (attack.ts) applied three days before now.

import type { Scenario } from '../types.js';
import { ACME, buildAcmeAccount } from './acme.js';
import { applyMinerAttack, type AttackManifest } from './attack.js';

export const DEMO_NAME = 'brief-incident';
export const DEMO_NOW = '2026-11-27T09:00:00Z';

const DESCRIPTION =
  "The brief's incident in acme-health's account. On 2026-11-24 at 02:13 UTC the web server web-1 is " +
  'exploited through an unpatched Apache and starts mining (CPU ~97%, outbound traffic up >300%). Minutes ' +
  "later the stolen access key of sub-account user ops-deploy, which normally acts only from CI, is used " +
  'from Tor exits and a VPS: it opens SSH and pool ports 3333/14444 to the world, launches 128 x86_64 ' +
  'miners (xmrig disguised as systemd-journald-helper) in us-east-2, ap-southeast-1, sa-east-1 and ' +
  'eu-north-1 within three days, protects them from termination, creates the admin user support-admin ' +
  'with a key and a console password, signs in without MFA at 03:40, stops the CloudTrail trail, deletes ' +
  "the web servers' log group and the GuardDuty detector in ap-southeast-1. EC2 cost climbs to ~4x the usual " +
  'daily run rate.';

/** The demo scenario and the manifest of the attack inside it (ids, times, addresses). */
export function buildDemo(): { scenario: Scenario; attack: AttackManifest } {
  const acme = buildAcmeAccount({ now: DEMO_NOW });
  const attack = applyMinerAttack({
    draft: acme.draft,
    stolen: { ...acme.opsDeploy, normalSourceIPs: ACME.ciIps },
    web: acme.web1,
    trail: acme.trail,
    webLogGroup: { region: 'us-east-1', name: ACME.webLogGroup },
  });
  return { scenario: acme.draft.toScenario({ name: DEMO_NAME, description: DESCRIPTION }), attack };
}

export function buildDemoScenario(): Scenario {
  return buildDemo().scenario;
}
