/**
 * A typed Argo CD ApplicationSet covering the fields this project uses, written by hand instead of
 * importing imports/argocd-applicationset-argoproj.io.ts: that generated binding is 3.3 MB of
 * TypeScript and roughly doubles `tsc` time (see the README). Field names are the CRD's own
 * (`repoURL`, not `repoUrl`); test/gitops-argocd.test.ts validates the output strictly against the
 * upstream CRD, so a wrong field fails there.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import { ApplicationSpec, toJson_ApplicationSpec } from '../../imports/argocd-application-argoproj.io';

export interface ApplicationSetGitDirectory {
  /** A path.Match glob relative to the repository root, e.g. `dist/*\/*`. */
  readonly path: string;
  /** Leave matching directories out. @default false */
  readonly exclude?: boolean;
}

/** The git directory generator: one parameter set per matching directory. */
export interface ApplicationSetGitGenerator {
  readonly repoURL: string;
  readonly revision: string;
  readonly directories: readonly ApplicationSetGitDirectory[];
}

/** Generators this project uses: git directories, a fixed list (clusters), and their matrix. */
export interface ApplicationSetGenerator {
  /** Git directories. @default - not this kind */
  readonly git?: ApplicationSetGitGenerator;
  /** Fixed parameter sets (one per cluster). @default - not this kind */
  readonly list?: { readonly elements: readonly Readonly<Record<string, string>>[] };
  /** Every combination of two generators' parameter sets. @default - not this kind */
  readonly matrix?: { readonly generators: readonly ApplicationSetGenerator[] };
}

export interface ApplicationSetTemplate {
  readonly metadata: {
    readonly name: string;
    /** @default - the ApplicationSet's namespace */
    readonly namespace?: string;
    /** @default - none */
    readonly labels?: Readonly<Record<string, string>>;
    /** @default - none */
    readonly annotations?: Readonly<Record<string, string>>;
    /** @default - none */
    readonly finalizers?: readonly string[];
  };
  /** The Application spec, typed by the (small) Application binding. */
  readonly spec: ApplicationSpec;
}

export interface ApplicationSetSpec {
  /** Use Go templates (`{{.path.basename}}`). @default false */
  readonly goTemplate?: boolean;
  /** Go template options, e.g. `missingkey=error`. @default - none */
  readonly goTemplateOptions?: readonly string[];
  readonly generators: readonly ApplicationSetGenerator[];
  readonly template: ApplicationSetTemplate;
  /** @default - Argo CD's default: create, update and delete Applications */
  readonly syncPolicy?: {
    readonly applicationsSync?: 'create-only' | 'create-update' | 'create-delete' | 'sync';
    readonly preserveResourcesOnDeletion?: boolean;
  };
}

export interface ApplicationSetProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: ApplicationSetSpec;
}

/** An Argo CD ApplicationSet (argoproj.io/v1alpha1). */
export class ApplicationSet extends ApiObject {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet' };

  constructor(scope: Construct, id: string, props: ApplicationSetProps) {
    super(scope, id, {
      ...ApplicationSet.GVK,
      metadata: props.metadata,
      spec: { ...props.spec, template: { metadata: props.spec.template.metadata, spec: toJson_ApplicationSpec(props.spec.template.spec) } },
    });
  }
}
