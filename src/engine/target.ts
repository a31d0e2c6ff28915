// What an audit runs against: a live account through the standard credential chain, or a
// scenario answered by the simulated account beneath the same SDK clients. The only other
// difference is the clock: a scenario carries its own `now`.

import { AwsClients } from '../providers/aws/clients.js';
import { SimulatedAccount } from '../simulator/index.js';
import { loadScenarioFile, parseScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

export interface Target {
  clients: AwsClients;
  now: number;
  /** Set when the target is a scenario. */
  simulated?: SimulatedAccount;
  label: string;
}

export interface LiveTargetOptions {
  profile?: string;
  endpointUrl?: string;
}

export function liveTarget(options: LiveTargetOptions): Target {
  return { clients: new AwsClients({ profile: options.profile, endpointUrl: options.endpointUrl }), now: Date.now(), label: options.profile ? `profile ${options.profile}` : 'default credentials' };
}

/** Credentials the simulated account ignores; the SDK signs requests before they reach it. */
const SIMULATED_CREDENTIALS = { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' };

export function scenarioTarget(scenario: Scenario, label: string): Target {
  const simulated = new SimulatedAccount(scenario);
  const clients = new AwsClients({ credentials: SIMULATED_CREDENTIALS, decorate: (client, region) => simulated.attach(client, region) });
  return { clients, now: Date.parse(scenario.now), simulated, label };
}

export async function scenarioFileTarget(file: string): Promise<Target> {
  return scenarioTarget(await loadScenarioFile(file), file);
}

export function builtInScenarioTarget(value: unknown, name: string): Target {
  return scenarioTarget(parseScenario(value, name), `built-in scenario ${name}`);
}
