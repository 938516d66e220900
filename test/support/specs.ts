/** Release specs held in memory for unit tests (parsed and validated like files, never written). */
import { LoadedRelease, parseRelease } from '../../lib/spec/loader';
import { PROJECT_CHECKS } from '../../lib/synth/project';
import { formatProblem } from '../../lib/spec/errors';

/** A valid Gateway API release; `extra` lines are appended at the top level (steps, canary, ...). */
export function specText(name: string, extra = '', opts: { stable?: string } = {}): string {
  return `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
# ${name}: a test release
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
  production: ${name}
workload:
  type: webapp
  image: ghcr.io/example/${name}
  port: 8080
stable:
  version: ${opts.stable ?? '1.0.0'}
router:
  type: gatewayApi
  parentRefs:
    - name: public
      namespace: gateway-system
  hostnames:
    - ${name}.example.com
${extra}`;
}

/** Parses and validates spec text as `releases/<name>.yaml`; throws with the problems if invalid. */
export function loaded(text: string, name = /^name: (.*)$/m.exec(text)?.[1] ?? 'app'): LoadedRelease {
  const r = parseRelease(`releases/${name}.yaml`, text, { checks: PROJECT_CHECKS, relativeTo: process.cwd() });
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.release;
}
