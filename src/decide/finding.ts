// The finding: a fired reading for which the window store granted a lockout, told in
// the decide stage's own terms (rule identity, actor, offence, the verdict's figures
// and sentence). The pipeline makes it from a pending lockout and the rule's verdict;
// the lockout command is built from it alone, so decide needs no rule, window or
// detector type, and sits below them all.
import type { LockoutCommand } from './lockout.js';
import type { Mode, Scope, Severity } from '../vocabulary/scope.js';

export interface Finding {
  /** Id of the rule that fired. */
  readonly rule: string;
  readonly severity: Severity;
  readonly mode: Mode;
  /** The actor: whom the rule measured, and so whom the lockout stops. */
  readonly scope: Scope;
  readonly subject: string;
  /** Event time of the event that fired the rule. */
  readonly eventTs: number;
  /** Offences of this actor against this rule, this one included (escalation). */
  readonly offence: number;
  readonly ttlMs: number;
  /** The rule's figures at the event (counts, bytes, window, route): the evidence. */
  readonly figures: LockoutCommand['evidence'];
  /** One human sentence, e.g. "64 sequential ids on /api/users/:id in 10m". */
  readonly reason: string;
}
