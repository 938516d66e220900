import * as fs from 'fs';
import * as path from 'path';
import { ajvProblems } from './ajv-problems';
import { secretCommentProblems } from './comment-secrets';
import { onlyComments, SourceDocument } from './document';
import { pathToString, SpecError, SpecProblem } from './errors';
import { ProjectConfig } from './generated/project';
import { readSpecBytes, symlinkEscape } from './loader';
import { secretValueProblems } from './secret-scan';
import { validatorFor } from './schemas';

/** The project config file, at the project root. */
export const PROJECT_CONFIG_FILE = 'cdk8s-canary.yaml';
/** First line of the config file, so editors autocomplete and check it. */
export const PROJECT_SCHEMA_COMMENT = '# yaml-language-server: $schema=lib/spec/schema/project.schema.json';
/** Default repository URL: a placeholder the README tells users to change. */
export const PLACEHOLDER_REPO_URL = 'https://github.com/example/cdk8s-canary.git';
/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** A cluster the release folders are deployed to, with defaults resolved. */
export interface ClusterModel {
  readonly name: string;
  /** Argo CD destination server. */
  readonly server: string;
  /** Flux: kubeconfig Secret of a remote cluster; absent for the cluster Flux runs in. */
  readonly kubeConfigSecretRef?: { readonly name: string; readonly key?: string };
  /** Labels for fleet selectors (lib/spec/fleet.ts). @default - none */
  readonly labels: Readonly<Record<string, string>>;
  /** The cluster runs its own Argo CD or Flux and pulls its own roots (`<path>/argocd/<name>/`, `<path>/flux/<name>/`). @default false */
  readonly pull: boolean;
  /** A pull cluster's mirror of the repository. @default - repository.url */
  readonly mirrorUrl?: string;
}

/** cdk8s-canary.yaml with every default resolved. */
export interface ProjectConfigModel {
  /** File the settings came from (relative to the project root), even when it does not exist. */
  readonly file: string;
  /** The parsed file, for positioned problems; absent when the file does not exist. */
  readonly source?: SourceDocument;
  readonly repository: { readonly url: string; readonly branch: string; readonly path: string };
  readonly clusters: readonly ClusterModel[];
  readonly argocd: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly project: string;
    readonly mode: 'applications' | 'applicationSet';
    readonly selfManaged: boolean;
    /** Deleting an Application leaves its objects (no resources-finalizer). */
    readonly preserveResourcesOnDeletion: boolean;
    /** Applications prune every removed object after the sync's last wave (`PruneLast=true`). */
    readonly pruneLast: boolean;
  };
  readonly flux: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly name: string;
    readonly secretRef?: { readonly name: string };
    readonly sourceInterval: string;
    readonly interval: string;
    readonly retryInterval: string;
    readonly timeout: string;
    readonly selfManaged: boolean;
    /** Account the release folders' Kustomizations impersonate, when set. */
    readonly serviceAccountName?: string;
    /** Per-tenant accounts: release (or group) name -> account. */
    readonly tenants: readonly { readonly serviceAccountName: string; readonly releases: readonly string[] }[];
    /** What deleting a release folder's Kustomization does to its objects. */
    readonly deletionPolicy: 'MirrorPrune' | 'Orphan';
  };
}

/** Resolves every default of a validated config. Pure. */
export function toProjectConfigModel(c: Partial<ProjectConfig>, file: string, source?: SourceDocument): ProjectConfigModel {
  const clusters = c.clusters ?? [{ name: 'in-cluster' }];
  return {
    file,
    ...(source ? { source } : {}),
    repository: {
      url: c.repository?.url ?? PLACEHOLDER_REPO_URL,
      branch: c.repository?.branch ?? 'main',
      path: c.repository?.path ?? 'dist',
    },
    clusters: clusters.map((k) => ({
      name: k.name,
      server: k.server ?? IN_CLUSTER_SERVER,
      ...(k.kubeConfigSecretRef ? { kubeConfigSecretRef: { name: k.kubeConfigSecretRef.name, ...(k.kubeConfigSecretRef.key ? { key: k.kubeConfigSecretRef.key } : {}) } } : {}),
      labels: k.labels ?? {},
      pull: k.pull ?? false,
      ...(k.mirrorUrl !== undefined ? { mirrorUrl: k.mirrorUrl } : {}),
    })),
    argocd: {
      enabled: c.argocd?.enabled ?? true,
      namespace: c.argocd?.namespace ?? 'argocd',
      project: c.argocd?.project ?? 'cdk8s-canary',
      mode: c.argocd?.mode ?? 'applications',
      selfManaged: c.argocd?.selfManaged ?? true,
      preserveResourcesOnDeletion: c.argocd?.preserveResourcesOnDeletion ?? false,
      pruneLast: c.argocd?.pruneLast ?? false,
    },
    flux: {
      enabled: c.flux?.enabled ?? true,
      namespace: c.flux?.namespace ?? 'flux-system',
      name: c.flux?.name ?? 'cdk8s-canary',
      ...(c.flux?.secretRef ? { secretRef: { name: c.flux.secretRef.name } } : {}),
      sourceInterval: c.flux?.sourceInterval ?? '1m',
      interval: c.flux?.interval ?? '10m',
      retryInterval: c.flux?.retryInterval ?? '1m',
      timeout: c.flux?.timeout ?? '5m',
      selfManaged: c.flux?.selfManaged ?? true,
      ...(c.flux?.serviceAccountName ? { serviceAccountName: c.flux.serviceAccountName } : {}),
      tenants: (c.flux?.tenants ?? []).map((t) => ({ serviceAccountName: t.serviceAccountName, releases: [...t.releases] })),
      deletionPolicy: c.flux?.deletionPolicy ?? 'MirrorPrune',
    },
  };
}

/** The settings used when a project has no cdk8s-canary.yaml. */
export function defaultProjectConfig(file: string = PROJECT_CONFIG_FILE): ProjectConfigModel {
  return toProjectConfigModel({}, file);
}

/** What a new project's cdk8s-canary.yaml says (see scaffoldProjectConfig). */
export interface ProjectScaffoldOptions {
  /** The repository's clone URL, as git knows it (a remote's URL). @default - the placeholder, marked CHANGE THIS */
  readonly remoteUrl?: string;
  /** The remote `remoteUrl` came from, named in the comment. @default 'origin' */
  readonly remoteName?: string;
  /** Branch Argo CD and Flux follow. @default main */
  readonly branch?: string;
  /** The `$schema=` path of the first line, relative to the project root. @default lib/spec/schema/project.schema.json */
  readonly schemaPath?: string;
}

/**
 * A git remote URL as Argo CD and Flux take it: https:// (credentials dropped: they would be
 * committed), ssh://, or the scp form `git@host:org/repo.git` written as ssh:// (Flux refuses the scp
 * form); undefined for anything else (a local path, file://). Pure.
 */
export function cloneUrlOf(remote: string): string | undefined {
  const url = remote.trim();
  const web = /^(https?):\/\/(?:[^@/\s]*@)?([^/\s]+\/\S+)$/.exec(url);
  if (web) return `${web[1]}://${web[2]}`;
  const ssh = /^ssh:\/\/(?:([^:@/\s]+)(?::[^@/\s]*)?@)?([^/\s]+\/\S+)$/.exec(url);
  if (ssh) return `ssh://${ssh[1] ? `${ssh[1]}@` : ''}${ssh[2]}`;
  const scp = /^(?:([^:@/\s]+)@)?([A-Za-z0-9.-]+):([^/~\s][^\s]*)$/.exec(url);
  if (scp) return `ssh://${scp[1] ? `${scp[1]}@` : ''}${scp[2]}/${scp[3]}`;
  return undefined;
}

/**
 * The cdk8s-canary.yaml `new` writes when it starts a project: the repository Argo CD and Flux fetch
 * dist/ from (the remote's clone URL, else the placeholder marked CHANGE THIS) and the branch they
 * follow; every other field keeps its default. Pure: the caller validates and writes it.
 */
export function scaffoldProjectConfig(o: ProjectScaffoldOptions = {}): string {
  const url = o.remoteUrl !== undefined ? cloneUrlOf(o.remoteUrl) : undefined;
  const urlLine = url !== undefined
    ? `  url: ${url}   # the clone URL of remote '${o.remoteName ?? 'origin'}': Argo CD and Flux fetch dist/ from it`
    : `  url: ${PLACEHOLDER_REPO_URL}   # CHANGE THIS to the clone URL of your repository`;
  return [
    `# yaml-language-server: $schema=${o.schemaPath ?? 'lib/spec/schema/project.schema.json'}`,
    '# Repository settings of cdk8s-canary: where Argo CD and Flux find dist/ (README: "Wire it to Argo CD",',
    '# "Wire it to Flux"). Every field has a default; `npx cdk8s-canary synth` writes dist/argocd/ and dist/flux/ from it.',
    'apiVersion: canary.cdk8s.io/v1alpha1',
    'kind: Project',
    'repository:',
    urlLine,
    `  branch: ${o.branch ?? 'main'}   # the branch Argo CD and Flux follow`,
    '  path: dist          # where dist/ is inside the repository',
    '',
  ].join('\n');
}

/** A problem in the config, positioned when the file exists (generators use this for collisions). */
export function configProblem(config: ProjectConfigModel, at: readonly (string | number)[], message: string, hint: string, value?: unknown): SpecProblem {
  if (config.source) return config.source.problem(at, message, hint, value);
  return { file: config.file, line: 0, col: 0, path: pathToString(at), message, hint, ...(value === undefined ? {} : { value }) };
}

/** Parses and validates a config held in memory. */
export function parseProjectConfig(file: string, text: string | Buffer): { config: ProjectConfigModel } | { problems: SpecProblem[] } {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  if (onlyComments(bytes.toString('utf8'))) {
    return { problems: [{ file, line: 1, col: 1, path: '', message: 'file is empty', hint: `write 'apiVersion: canary.cdk8s.io/v1alpha1' and 'kind: Project' (every other field has a default), or delete the file to use the defaults` }] };
  }
  const parsed = SourceDocument.parse(file, bytes);
  if (Array.isArray(parsed)) return { problems: parsed };
  const data = parsed.toJS();
  const validate = validatorFor('project.schema.json');
  const secrets = secretCommentProblems(file, parsed.text); // comments are committed too
  if (!validate(data)) return { problems: [...ajvProblems(parsed, data, validate.errors ?? []), ...secrets] };
  const spec = data as ProjectConfig;
  const problems = [...semanticProblems(parsed, spec), ...secrets];
  if (problems.length) return { problems };
  return { config: toProjectConfigModel(spec, file, parsed) };
}

export interface ProjectConfigOptions {
  /** Directory that file names in messages are relative to. @default - the project root */
  readonly relativeTo?: string;
}

/**
 * Loads `cdk8s-canary.yaml` from a project root; all defaults when the file does not exist.
 * Throws SpecError listing every problem.
 */
export function loadProjectConfig(root: string, options: ProjectConfigOptions = {}): ProjectConfigModel {
  const file = path.join(root, PROJECT_CONFIG_FILE);
  const rel = path.relative(options.relativeTo ?? root, file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  if (!fs.existsSync(file)) return defaultProjectConfig(shown);
  // like a spec: a symlink leading out of the repository is not read (its content would be echoed in messages)
  let escape: string | undefined;
  try { escape = symlinkEscape(file, root); } catch { escape = undefined; }
  if (escape) throw new SpecError([{ file: shown, line: 1, col: 1, path: '', message: `${PROJECT_CONFIG_FILE} is a symlink to ${escape}, outside the repository`, hint: `put the project file itself at the repository root instead of linking to it`, value: undefined }]);
  const read = readSpecBytes(file, shown, 'project');
  if ('problems' in read) throw new SpecError(read.problems);
  const r = parseProjectConfig(shown, read.bytes);
  if ('problems' in r) throw new SpecError(r.problems);
  return r.config;
}

/**
 * `argocd.project` names the AppProject this tool generates and owns: never Argo CD's built-in
 * `default` project (writing it would replace the project every other Application falls back to).
 */
function argoCdProjectProblems(src: SourceDocument, c: ProjectConfig): SpecProblem[] {
  const project = c.argocd?.project;
  if (project === 'default') {
    return [src.problem(['argocd', 'project'], "'default' is Argo CD's built-in project: generating it would overwrite the project every other Application falls back to", "name the project this tool generates and owns, e.g. 'cdk8s-canary' (the default)", project)];
  }
  return [];
}

/** Rules the schema cannot say: clusters must be told apart by Argo CD and by Flux. */
function semanticProblems(src: SourceDocument, c: ProjectConfig): SpecProblem[] {
  const out: SpecProblem[] = [...secretValueProblems(src, c), ...argoCdProjectProblems(src, c)];
  const clusters = c.clusters ?? [];
  const firstBy = (key: (k: (typeof clusters)[number]) => string | undefined, i: number): number =>
    clusters.findIndex((k) => key(k) !== undefined && key(k) === key(clusters[i]));
  clusters.forEach((k, i) => {
    const byName = firstBy((x) => x.name, i);
    if (byName !== i) {
      out.push(src.problem(['clusters', i, 'name'], `cluster name '${k.name}' is already used by clusters[${byName}]`, 'give every cluster a unique name', k.name));
    }
    if (k.pull) {
      // a pull cluster runs its own Argo CD or Flux, which apply in-cluster: nothing reaches it from outside
      if (k.kubeConfigSecretRef) out.push(src.problem(['clusters', i, 'kubeConfigSecretRef'], `cluster '${k.name}' pulls (pull: true), so no Flux reaches it with a kubeconfig`, 'remove kubeConfigSecretRef: its own Flux applies its root in-cluster', undefined, true));
      if (k.server) out.push(src.problem(['clusters', i, 'server'], `cluster '${k.name}' pulls (pull: true), so no Argo CD reaches it through a server URL`, 'remove server: its own Argo CD applies its root in-cluster', k.server));
      return;
    }
    if (k.mirrorUrl !== undefined) out.push(src.problem(['clusters', i, 'mirrorUrl'], `cluster '${k.name}' has a mirrorUrl but does not pull`, 'set pull: true (the cluster reads the mirror with its own Argo CD or Flux), or remove mirrorUrl', k.mirrorUrl));
    const server = k.server ?? IN_CLUSTER_SERVER;
    const byServer = clusters.findIndex((x) => !x.pull && (x.server ?? IN_CLUSTER_SERVER) === server);
    if (byServer !== i) {
      out.push(src.problem(['clusters', i, k.server ? 'server' : 'name'], `cluster '${k.name}' has the same Argo CD server as clusters[${byServer}]`,
        'give every cluster its own server URL (the default is https://kubernetes.default.svc, the cluster Argo CD runs in)', k.server));
    }
    const bySecret = firstBy((x) => x.kubeConfigSecretRef?.name, i);
    if (k.kubeConfigSecretRef && bySecret !== i) {
      out.push(src.problem(['clusters', i, 'kubeConfigSecretRef', 'name'], `cluster '${k.name}' uses the same kubeconfig Secret as clusters[${bySecret}]`,
        'give every remote cluster its own kubeconfig Secret', k.kubeConfigSecretRef.name));
    }
  });
  if (c.flux?.enabled !== false) {
    const local = clusters.map((k, i) => ({ k, i })).filter(({ k }) => !k.kubeConfigSecretRef && !k.pull);
    for (const { k, i } of local.slice(1)) {
      out.push(src.problem(['clusters', i, 'name'], `cluster '${k.name}' has no kubeConfigSecretRef, like clusters[${local[0].i}]: Flux would apply both to the cluster it runs in`,
        `add kubeConfigSecretRef (a Secret with the cluster's kubeconfig in the ${c.flux?.namespace ?? 'flux-system'} namespace), or set flux.enabled: false`, k.name, true));
    }
  }
  return out;
}
