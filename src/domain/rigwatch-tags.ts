// The tags and names rigwatch writes into an account when it contains an incident. The
// remediation writes them; the detectors and the containment summary read them, so a re-audit
// knows rigwatch's own isolation groups and which resources are already quarantined.

/** On quarantined instances (and their evidence snapshots): the run that quarantined them. */
export const TAG_QUARANTINED = 'rigwatch:quarantined';
/** The finding that asked for the quarantine. */
export const TAG_FINDING = 'rigwatch:finding';
/** On snapshots: the step that made them, so a re-applied step finds them instead of snapshotting again. */
export const TAG_STEP = 'rigwatch:step';
/** On the isolation security groups: "open" (the transit group) or "closed". */
export const TAG_ISOLATION = 'rigwatch:isolation';

/** Inline policy name prefixes of the IAM containment actions. */
export const QUARANTINE_POLICY_PREFIX = 'rigwatch-quarantine-';
export const REVOKE_SESSIONS_POLICY_PREFIX = 'rigwatch-revoke-sessions-';
