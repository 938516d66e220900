/** Release specs held in memory for unit tests (parsed and validated like files, never written). */
import { LoadedRelease, parseRelease } from '../../lib/spec/loader';
import { PROJECT_CHECKS } from '../../lib/synth/project';
import { formatProblem } from '../../lib/spec/errors';
import { webappSpec } from './project';

/** `webappSpec` with a comment line naming the release; `extra` lines are appended at the top level (steps, canary, ...). */
export function specText(name: string, extra = '', opts: { stable?: string } = {}): string {
  return webappSpec(name, extra, { comment: `${name}: a test release`, stable: opts.stable });
}

/** Parses and validates spec text as `releases/<name>.yaml`; throws with the problems if invalid. */
export function loaded(text: string, name = /^name: (.*)$/m.exec(text)?.[1] ?? 'app'): LoadedRelease {
  const r = parseRelease(`releases/${name}.yaml`, text, { checks: PROJECT_CHECKS, relativeTo: process.cwd() });
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.release;
}
