import { SourceDocument } from './document';
import { SpecProblem } from './errors';
import { isSecretName, secretKind } from './secrets';

/**
 * Values that look like secrets, anywhere in a parsed file (a release or group spec,
 * cdk8s-canary.yaml): each is refused at its position and never echoed (`<hidden>`), because
 * everything in these files ends up in git, and most of it in dist/.
 */
export function secretValueProblems(src: SourceDocument, data: unknown): SpecProblem[] {
  const out: SpecProblem[] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    if (typeof v === 'string') {
      const hit = secretKind(v);
      if (hit) out.push(src.problem(at, `value looks like ${hit}; it would be committed to git in clear text`, 'store it in a Secret created outside git and reference it (secretKeyRef, existingSecrets), or for a git URL use a credentials Secret (flux.secretRef, an Argo CD repository Secret)', '<hidden>'));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(data, []);
  return out;
}

/** Env vars with a secret-looking name and an inline value (one name rule everywhere: `isSecretName`). */
export function inlineSecretEnvProblems(src: SourceDocument, env: readonly { name: string; value?: string }[] | undefined, at: readonly (string | number)[]): SpecProblem[] {
  return (env ?? []).flatMap((e, i) => (isSecretName(e.name) && e.value !== undefined && e.value !== ''
    ? [src.problem([...at, i, 'value'], `env var '${e.name}' looks like a secret but is inlined`, 'store it in a Secret and use secretKeyRef (secrets are referenced, never inlined)', '<hidden>')]
    : []));
}

/** ConfigMap keys with a secret-looking name (a ConfigMap is clear text in dist/). */
export function secretConfigKeyProblems(src: SourceDocument, config: Readonly<Record<string, string>> | undefined, at: readonly (string | number)[]): SpecProblem[] {
  return Object.entries(config ?? {}).filter(([k, v]) => isSecretName(k) && v !== '').map(([k]) =>
    src.problem([...at, k], `config key '${k}' looks like a secret, and config is written to a ConfigMap in dist/ in clear text`, `store it in a Secret listed in existingSecrets and reference it from ${at.slice(0, -1).join('.') || 'workload'}.env with secretKeyRef`, '<hidden>'));
}
