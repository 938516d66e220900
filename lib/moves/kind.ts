/**
 * What a kind of move (a release move, a release-group move; fleet waves next) supplies to the
 * engine (engine.ts). The engine does everything else, the same way for every kind: lock, branch
 * and dirty-path guards, the stale-dist/ check, the gates, the journal, write/restore, commit and
 * push.
 *
 * A kind works in three phases, so that the engine can check the repository between them:
 * 1. `load(ctx)` loads and validates the project and finds the spec the move edits and the dist/
 *    folders it owns (a `MoveTarget`); the engine then refuses if any of those paths is dirty.
 * 2. `target.plan()` computes the move (pure; throws `UsageError`/`MoveRefusedError` to refuse) or
 *    says it changes nothing; the engine then checks the owned folders on disk are what
 *    `renderBefore()` gives (nothing stale would slip into the move's commit).
 * 3. `planned.edit(specBytes)` edits the spec text, validates it (`InvalidEditError`) and renders
 *    the result; the engine then runs the gates on the old and new spec and dist/, and writes.
 */
import { Git } from '../git';
import { CommitMessage, FleetMove, Move } from '../rollout';
import { GroupMove } from '../rollout/group';
import { LoadedGroup, LoadedRelease } from '../spec/loader';
import { ProjectPaths } from '../synth/project';

/** What `load` gets. */
export interface MoveContext {
  readonly git: Git;
  readonly paths: ProjectPaths;
  /** `<git dir>/cdk8s-canary/` for caches (validated specs, compiled validators); undefined with the cache off. */
  readonly cacheDir?: string;
  /** The `-m/--message` text for the commit body. @default - none */
  readonly extraMessage?: string;
  /** Records a phase for `CDK8S_CANARY_TIMING` (e.g. `load+validate(1 parsed)`). */
  mark(phase: string): void;
}

/**
 * The kind's own view of a planned move, for gates and for printing. A discriminated union: gates
 * `switch (subject.kind)` and skip kinds they do not know. New kinds (fleet waves) add a member.
 */
export type MoveSubject =
  | { readonly kind: 'release'; readonly release: LoadedRelease; readonly after: LoadedRelease; readonly move: Move }
  | { readonly kind: 'group'; readonly group: LoadedGroup; readonly after: LoadedGroup; readonly move: GroupMove }
  /** A move of a release with `fleet:` (./fleet.ts): `move.waveMove` is the move inside the current wave. */
  | { readonly kind: 'fleet'; readonly release: LoadedRelease; readonly after: LoadedRelease; readonly move: FleetMove }
  /** `migrate`: the release's router section is replaced (nginx -> gatewayApi); its rollout state is unchanged. */
  | { readonly kind: 'migration'; readonly release: LoadedRelease; readonly after: LoadedRelease; readonly from: string; readonly to: string };

/** A kind of move: loads what it moves. */
export interface MoveKind {
  /**
   * Loads and validates the project (every spec: a move never commits on top of an invalid one) and
   * finds the target. Called once per attempt: a `--push` retry calls it again on the new head.
   * Throws `SpecError` (invalid specs) or `UsageError` (unknown name), exit 2.
   */
  load(ctx: MoveContext): MoveTarget | Promise<MoveTarget>;
}

/** The spec a move edits and the dist/ folders it owns. */
export interface MoveTarget {
  /** The release or group name (journal, messages). */
  readonly name: string;
  /** How messages name it: `release webapp`, `release group shop`. */
  readonly label: string;
  /** Absolute path of the spec file the move edits. */
  readonly specFile: string;
  /**
   * The dist/ folders the move owns, relative to the dist folder: `webapp` for a release or a group;
   * a fleet wave owns `webapp/cluster-a`, `webapp/cluster-b`, ... Each is replaced as a whole
   * (atomically) by the rendering's files under it. Files of the rendering outside these folders must
   * not change with the move (the engine refuses with an internal error otherwise). At least one.
   */
  readonly outputs: readonly string[];
  /** Computes the move. Throws `UsageError` when it is refused (no canary to step, ...). */
  plan(): PlannedMove | UnchangedMove;
}

/** A move that changes nothing (`set-weight` to the current weight): no write, no commit, exit 0. */
export interface UnchangedMove {
  readonly changes: false;
  /** Why, e.g. `canary 1.1.0 of webapp is already at 30%` (the CLI prints `nothing to do: <reason>; no commit made`). */
  readonly reason: string;
}

/** A move that changes the spec. */
export interface PlannedMove {
  readonly changes: true;
  /** What the committed spec synthesizes: files keyed relative to the dist folder (`webapp/ns/x.yaml`). */
  renderBefore(): ReadonlyMap<string, string>;
  /**
   * Edits the spec (its current bytes given: keep a BOM), validates the result and synthesizes it.
   * Throws `InvalidEditError` when the edited spec is invalid (exit 2).
   */
  edit(specBytes: Buffer): EditedMove;
}

/** The edited spec, its synthesis and what the commit says. */
export interface EditedMove {
  /** The spec's new text. */
  readonly text: string;
  /** What the edited spec synthesizes, keyed relative to the dist folder (as `renderBefore`). */
  readonly rendered: ReadonlyMap<string, string>;
  readonly subject: MoveSubject;
  /** Subject, optional body (with the `-m` text) and trailers; gates add trailers to these. */
  readonly message: CommitMessage;
  /** What comes next, one line for the user (e.g. ``next: step -> 50%: `npx cdk8s-canary step webapp` ``). */
  readonly next: string;
}
