import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { cli, tempRepo } from './support/cli-repo';
import { REPO, webappSpec } from './support/project';

/**
 * What the docs a user reads first say about `argocd.mode: applicationSet` (the schema's description,
 * which editors show, and the comment in cdk8s-canary.yaml) matches the ApplicationSet synth writes:
 * they named a git directory generator, while the output uses a list generator.
 */

/** Argo CD's ApplicationSet generator kinds (argo-cd docs, operator-manual/applicationset/Generators.md). */
const GENERATOR_KINDS = ['list', 'cluster', 'git', 'matrix', 'merge', 'scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin'];
const WORDS: Record<string, RegExp> = {
  list: /\blist generator/i, cluster: /\bcluster generator/i, git: /\bgit (directory |file )?generator/i, matrix: /\bmatrix\b/i,
  merge: /\bmerge generator/i, scmProvider: /\bscm ?provider/i, pullRequest: /\bpull ?request generator/i,
  clusterDecisionResource: /\bcluster ?decision/i, plugin: /\bplugin generator/i,
};

function generatorKinds(generators: readonly Record<string, unknown>[]): string[] {
  return generators.flatMap((g) => Object.keys(g).flatMap((k) => [k, ...(k === 'matrix' || k === 'merge' ? generatorKinds((g[k] as { generators: Record<string, unknown>[] }).generators) : [])]));
}

describe('docs of argocd.mode: applicationSet name the generator synth writes', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'lib/spec/schema/project.schema.json'), 'utf8'));
  const description: string = schema.definitions.ArgoCd.properties.mode.description;
  const config = fs.readFileSync(path.join(REPO, 'cdk8s-canary.yaml'), 'utf8');
  const comment = /^ {2}mode: applications +# (.*)$/m.exec(config)?.[1] ?? '';

  test.each([
    ['one cluster', ''],
    ['two clusters', 'clusters:\n  - name: east\n    server: https://east.example.com:6443\n    kubeConfigSecretRef: { name: east }\n  - name: west\n    server: https://west.example.com:6443\n    kubeConfigSecretRef: { name: west }\n'],
  ])('fails when the schema or cdk8s-canary.yaml names a generator the ApplicationSet does not use (%s)', (_what, clusters) => {
    // GIVEN the repository's cdk8s-canary.yaml switched to applicationSet, and a release
    const repo = tempRepo({
      'releases/shop.yaml': webappSpec('shop'),
      'cdk8s-canary.yaml': config.replace(/^ {2}mode: applications .*$/m, '  mode: applicationSet') + clusters,
    });
    try {
      // WHEN synthesized
      const r = cli(repo.root, ['synth']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const appset = parse(fs.readFileSync(path.join(repo.root, 'dist/argocd/applicationset-cdk8s-canary.yaml'), 'utf8'));
      const used = [...new Set(generatorKinds(appset.spec.generators))].sort();
      expect(used.length).toBeGreaterThan(0);
      // THEN the schema's description and the config comment name the generator kinds it uses, and no other
      for (const text of [description, comment]) {
        expect(used.filter((k) => k !== 'matrix').filter((k) => !WORDS[k].test(text))).toEqual([]);
        expect(GENERATOR_KINDS.filter((k) => k !== 'matrix' && !used.includes(k) && WORDS[k].test(text))).toEqual([]);
      }
    } finally {
      repo.cleanup();
    }
  });
});
