/**
 * The Pod Security Standards (Kubernetes 1.27), checked on a pod spec the way the PodSecurity
 * admission controller does: what would make it reject the pod in a namespace labelled
 * `pod-security.kubernetes.io/enforce: baseline` or `restricted`.
 */
const ALLOWED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/** Capabilities the baseline profile lets a container add. */
const BASELINE_CAPS = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];

function allContainers(pod: any): any[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
}

/** Violations of a profile, with the pod template's annotations (AppArmor); [] when the pod would be admitted. */
export function podViolations(profile: 'baseline' | 'restricted', pod: any, annotations: Record<string, string> = {}): string[] {
  return profile === 'baseline' ? baseline(pod, annotations) : restricted(pod, annotations);
}

/** Violations of the baseline profile; [] when the pod would be admitted. */
export function baselineViolations(pod: any): string[] {
  return baseline(pod, {});
}

/** Violations of the restricted profile (which includes baseline); [] when the pod would be admitted. */
export function restrictedViolations(pod: any): string[] {
  return restricted(pod, {});
}

function baseline(pod: any, annotations: Record<string, string>): string[] {
  const out: string[] = [];
  const psc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('host namespaces');
  for (const v of pod.volumes ?? []) if (v.hostPath) out.push(`volume ${v.name} is a hostPath`);
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) out.push(`unsafe sysctl ${s.name}`);
  if (psc.seccompProfile?.type === 'Unconfined') out.push('pod seccompProfile Unconfined');
  const seLinuxOk = (o: any) => !o || ((o.type === undefined || ['', 'container_t', 'container_init_t', 'container_kvm_t'].includes(o.type)) && o.user === undefined && o.role === undefined);
  if (!seLinuxOk(psc.seLinuxOptions)) out.push('pod seLinuxOptions');
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !v.startsWith('localhost/')) out.push(`AppArmor ${v}`);
  }
  const containers = allContainers(pod);
  if (containers.length === 0) out.push('no containers');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${c.name}: privileged`);
    for (const a of sc.capabilities?.add ?? []) if (!BASELINE_CAPS.includes(a)) out.push(`${c.name}: adds capability ${a}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${c.name}: hostPort ${p.hostPort}`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(`${c.name}: procMount ${sc.procMount}`);
    if (sc.seccompProfile?.type === 'Unconfined') out.push(`${c.name}: seccompProfile Unconfined`);
    if (!seLinuxOk(sc.seLinuxOptions)) out.push(`${c.name}: seLinuxOptions`);
  }
  return out;
}

function restricted(pod: any, annotations: Record<string, string>): string[] {
  const out = baseline(pod, annotations);
  const psc = pod.securityContext ?? {};
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUME_TYPES.includes(type)) out.push(`volume ${v.name} of type ${type}`);
  }
  if (psc.runAsUser === 0) out.push('pod runAsUser 0');
  for (const c of allContainers(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation is not false`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) out.push(`${c.name}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) out.push(`${c.name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${c.name}: seccompProfile ${seccomp}`);
    const caps = sc.capabilities ?? {};
    if (!(caps.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities do not drop ALL`);
    for (const a of caps.add ?? []) if (a !== 'NET_BIND_SERVICE') out.push(`${c.name}: adds capability ${a}`);
  }
  return out;
}

/** Kinds whose `spec.template` is a pod template. */
const TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController', 'DeploymentConfig'];

/** The pod template spec of a workload object, or undefined for other kinds. */
export function podSpecOf(o: any): any {
  if (TEMPLATE_KINDS.includes(o.kind)) return o.spec?.template?.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  if (o.kind === 'Pod') return o.spec;
  return undefined;
}

/**
 * Every pod spec an object carries, with where it is: workload templates, CronJob job templates,
 * bare Pods, and the objects of an OpenShift Template (recursively).
 */
export function podSpecsIn(o: any, where = `${o?.kind}/${o?.metadata?.name}`): { where: string; spec: any; annotations: Record<string, string> }[] {
  if (!o || typeof o !== 'object') return [];
  if (o.kind === 'Template' && Array.isArray(o.objects)) return o.objects.flatMap((x: any, i: number) => podSpecsIn(x, `${where}.objects[${i}] ${x?.kind}/${x?.metadata?.name}`));
  if (o.kind === 'List' && Array.isArray(o.items)) return o.items.flatMap((x: any, i: number) => podSpecsIn(x, `${where}.items[${i}]`));
  const spec = podSpecOf(o);
  if (!spec) return [];
  const annotations = (o.kind === 'Pod' ? o.metadata?.annotations : o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.metadata?.annotations : o.spec?.template?.metadata?.annotations) ?? {};
  return [{ where, spec, annotations }];
}
