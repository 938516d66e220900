/**
 * `validate NAME` on its own module: the command loads the spec loader and the project checks, not
 * what `synth` and `validate` of the whole repository need (git, the sync gate, the renderer's
 * writer): a start-up cost of every `validate NAME` (issue 19).
 */
import { projectPaths } from '../synth/project';
import { validateNamed } from '../synth/spec-index';

/**
 * `validate NAME`: the one spec named and cdk8s-canary.yaml, validated as synth validates them,
 * without rendering (no cdk8s is loaded): the lint of generated objects and the checks across
 * releases are `validateRepository`'s.
 * @throws SpecError (exit 2); UsageError (exit 2) for a name no spec has
 */
export function validateOne(root: string, name: string): { readonly kind: 'release' | 'release group'; readonly file: string } {
  const spec = validateNamed(projectPaths(root), name);
  return 'release' in spec ? { kind: 'release', file: spec.release.file } : { kind: 'release group', file: spec.group.file };
}
