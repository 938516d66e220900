/**
 * An app of a release group that brings its own manifests (`apps[].manifests`): its folder read and
 * checked like a release's `workload.path`, and its objects at a stage of the group (scenario S3's
 * stages: mains, canaries bottom-up, entry split, promotion, back to the mains).
 */
import * as path from 'path';
import { SpecProblem } from '../spec/errors';
import { GroupAppModel, GroupModel } from '../spec/group';
import { LoadedGroup } from '../spec/loader';
import { ManifestsModel } from '../spec/model';
import type { AppState } from '../rollout/group';
import { ManifestsRelease } from './manifests';
import { factsOf, readFolder } from './manifests-source';

/**
 * Reads the folders of a group's manifests apps: the group with those apps completed (Services,
 * image repository, ports, the folder's objects), or the problems, positioned in the group spec.
 */
export function resolveGroupManifests(group: LoadedGroup): SpecProblem[] | { group: LoadedGroup } {
  const g = group.model;
  if (!g.apps.some((a) => a.manifestsSpec)) return { group };
  const root = path.dirname(path.dirname(group.path ?? path.resolve(group.file)));
  const problems: SpecProblem[] = [];
  const apps = g.apps.map((a): GroupAppModel => {
    const ms = a.manifestsSpec;
    if (!ms) return a;
    const i = a.index;
    const specApp = g.spec.apps[i];
    const read = readFolder(group.source, ['apps', i, 'manifests', 'path'], ms.path, root);
    if ('problem' in read) { problems.push(read.problem); return a; }
    const facts = factsOf({
      source: group.source,
      settings: { ...ms, ...(specApp.canaryReplicas !== undefined ? { canaryReplicas: specApp.canaryReplicas } : {}) },
      field: (...rest) => ['apps', i, 'manifests', ...rest],
      canaryReplicasField: ['apps', i, 'canaryReplicas'],
      production: a.project,
      productionField: ['apps', i, specApp.project !== undefined ? 'project' : 'name'],
      existingSecrets: g.spec.existingSecrets ?? [],
      secretsField: ['existingSecrets'],
      createNamespaces: g.createNamespaces,
      profile: a.workload.podSecurity.profile,
      profileField: ['apps', i, 'podSecurity'],
    }, read.source, read.objects);
    if (Array.isArray(facts)) { problems.push(...facts); return a; }
    const replicas = facts.replicas ?? 1;
    const canaryScaling: ManifestsModel['canaryScaling'] = ms.canaryAutoscaling && facts.hpa
      ? { autoscaling: { minReplicas: ms.canaryAutoscaling.minReplicas ?? facts.hpa.minReplicas, maxReplicas: ms.canaryAutoscaling.maxReplicas ?? facts.hpa.maxReplicas } }
      : { replicas: specApp.canaryReplicas ?? replicas };
    return {
      ...a,
      imageRepository: facts.imageRepository,
      replicas,
      canaryReplicas: 'replicas' in canaryScaling ? canaryScaling.replicas : canaryScaling.autoscaling.minReplicas,
      services: { main: facts.service, canary: `${facts.service}-canary` },
      workload: { ...a.workload, imageRepository: facts.imageRepository, port: facts.servicePort, servicePort: facts.servicePort, portName: facts.portName, sharedServiceName: facts.service },
      manifests: { ...facts, path: ms.path, canaryScaling },
    };
  });
  if (problems.length) return problems;
  return { group: { ...group, model: { ...g, apps } } };
}

/**
 * A manifests app at a stage, in the shape the manifests workload builder takes: its main is the
 * stable track (version label: the version it runs; the new one from promotion on), its canary the
 * canary track (version label `canary`, as S3 labels canaries) while the stage has one. Both live in
 * the app's project.
 */
export function groupAppRelease(g: GroupModel, app: GroupAppModel, s: AppState): ManifestsRelease {
  const mf = app.manifests;
  if (!mf) throw new Error(`internal: app ${app.name} of group ${g.name} brings its own manifests but its folder was not read`);
  const image = (version: string) => `${mf.imageRepository}:${version}`;
  const canaryTrack = {
    name: `${mf.deployment}-canary`, namespace: app.project, serviceName: app.services.canary, versionLabel: 'canary', replicas: app.canaryReplicas,
  };
  return {
    name: g.name,
    namespaces: { production: app.project, canary: app.project },
    stable: {
      version: s.main.version, image: image(s.main.version), versionLabel: s.main.versionLabel, replicas: app.replicas,
      name: mf.deployment, namespace: app.project, serviceName: app.services.main,
    },
    ...(s.canary ? { canary: { ...canaryTrack, version: s.canary.version, image: image(s.canary.version), weight: 0 } } : {}),
    canaryTrack,
    workload: { manifests: mf },
  };
}
