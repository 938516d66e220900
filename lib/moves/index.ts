/**
 * lib/moves: the move engine below the CLI, shared by release moves and release-group moves
 * (re-exports only). See engine.ts for the steps of a move, kind.ts for adding a kind of move
 * (what a move edits and owns), gate.ts for adding a pre-commit gate, session.ts for running several
 * moves under one lock, push.ts for pushing; status.ts, synth.ts, validate-one.ts, verify.ts and
 * recover.ts are the other repository-level operations the CLI calls (places.ts: where the lock and
 * the journal live, and whether a repair is pending). Nothing here prints or exits: functions return
 * values or throw the typed errors of errors.ts; the CLI maps them to messages and exit codes.
 */
export * from './errors';
export * from './interrupt';
export * from './lock';
export * from './journal';
export * from './recover';
export * from './places';
export * from './files';
export * from './kind';
export * from './gate';
export * from './gates';
export * from './soak-gate';
export * from './analysis-gate';
export * from './analysis';
export * from './analysis-errors';
export * from './advance';
export * from './session';
export * from './push';
export * from './engine';
export * from './release';
export * from './group';
export * from './fleet';
export * from './fleet-soak-gate';
export * from './fleet-status';
export * from './status';
export * from './cross-release-gate';
export * from './inside-gate';
export * from './migrate';
export * from './synth';
export * from './validate-one';
export * from './verify';
