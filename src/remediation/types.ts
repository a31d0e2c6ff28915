// Remediation: plan from an audit's findings, apply (dry run by default), journal every step,
// undo. An action is one module (src/remediation/actions/<id>.ts) that declares its IAM actions,
// plans pure steps from findings, applies one step and undoes one step. The runner
// (runner.ts) orders, journals, resumes and rolls back; actions never touch the journal.

import type { z } from 'zod';
import type { Finding } from '../detectors/types.js';
import type { AwsClients } from '../providers/aws/clients.js';
import type { AuditData } from '../providers/types.js';

export const ACTION_IDS = [
  'quarantine-instance',
  'revoke-ingress',
  'disable-access-key',
  'revoke-sessions',
  'quarantine-principal',
  'stop-instance',
] as const;
export type ActionId = (typeof ACTION_IDS)[number];

export interface StepResource {
  /** AWS resource type name: AWS::EC2::Instance, AWS::EC2::SecurityGroup, AWS::IAM::User, AWS::IAM::AccessKey ... */
  type: string;
  id: string;
  /** An AWS region, or "global" for IAM. */
  region: string;
}

/**
 * One journaled unit of work: one resource, a few API calls, one undo. Multi-call containment
 * (quarantine-instance) is several steps, so an interrupted run resumes between them.
 */
export interface PlannedStep {
  /** Stable within a plan: `<action>:<part>:<region>:<resource id>`, e.g. `quarantine-instance:snapshot:us-east-1:i-0abc`. */
  id: string;
  action: ActionId;
  /** What this step does, for people: "snapshot the EBS volumes of i-0abc (2 volumes)". */
  title: string;
  resource: StepResource;
  /** The findings that asked for it. */
  findings: string[];
  /** The IAM actions the step calls when applied, e.g. ["ec2:CreateSnapshots", "ec2:CreateTags"]. */
  calls: string[];
  /** Decided at plan time, JSON only: rule ids, key ids, policy ARNs, volume ids ... */
  params: Record<string, unknown>;
  /** Steps that must be done before this one (same run). */
  dependsOn: string[];
}

export type StepStatus = 'planned' | 'done' | 'skipped' | 'failed';

export interface StepOutcome {
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
}

/** What `apply` learned before changing anything: enough to put it back. JSON only. */
export type UndoData = Record<string, unknown>;

export interface ActionContext {
  clients: AwsClients;
  runId: string;
  /** The audit's clock (a scenario's `now`); used for tags and TokenIssueTime conditions. */
  now: number;
  /** The identity remediation runs as: never touched. */
  callerArn?: string;
}

export interface PlanInput {
  findings: Finding[];
  data: AuditData;
  runId: string;
}

export interface RemediationAction<Options = unknown> {
  id: ActionId;
  title: string;
  /** What it does, the permissions it needs, how it is undone: the docs page's first paragraph. */
  description: string;
  /** Every IAM action apply or undo may call (the remediation policy is their union). */
  permissions: readonly string[];
  options: z.ZodType<Options>;
  /** Pure: the steps this action takes for these findings (safety filters are the planner's). */
  plan(input: PlanInput, options: Options): PlannedStep[];
  /**
   * Reads what it needs to undo (returned before any change, so the runner journals it first),
   * then changes the account. Must be idempotent: a step interrupted after its change and
   * re-applied changes nothing more and returns the same undo data it did the first time.
   */
  prepare(step: PlannedStep, ctx: ActionContext): Promise<UndoData>;
  apply(step: PlannedStep, undo: UndoData, ctx: ActionContext): Promise<StepOutcome>;
  /** Puts back what apply changed, from the journaled undo data. Deletion and termination never happen, so every step can be undone, except what `irreversible` names. */
  undo(step: PlannedStep, undo: UndoData, ctx: ActionContext): Promise<StepOutcome>;
  /** What undo does not restore (e.g. snapshots are kept), or undefined when it restores all. */
  irreversible?: string;
}
