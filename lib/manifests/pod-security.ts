/**
 * The Kubernetes Pod Security Standards (v1.27), checked on a pod spec the way the PodSecurity
 * admission controller checks a pod: https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * Pure; used on the pod templates of `type: manifests` workloads, whose pod spec is the user's: by
 * the workload's load check (lib/workloads/manifests-source.ts) and the `pod-security` lint rule
 * (lib/lint/pod-security.ts).
 */

/** One way a pod spec breaks a profile: where (path below the pod spec) and what. */
export interface PodSecurityDeviation {
  /** The lowest profile this breaks: a baseline deviation also breaks restricted. */
  readonly profile: 'baseline' | 'restricted';
  /** Field path relative to the pod spec, e.g. `['containers', 0, 'securityContext', 'runAsNonRoot']`. */
  readonly field: readonly (string | number)[];
  readonly message: string;
}

/** Capabilities baseline lets a container add. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
/** Sysctls baseline allows. */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
/** Volume types restricted allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Rec : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Every deviation of a pod spec from the restricted profile (baseline deviations included, marked
 * as such), in field order. `annotations` are the pod template's (AppArmor). [] when the pod meets
 * restricted.
 */
export function podSecurityDeviations(podSpec: unknown, annotations: Readonly<Record<string, string>> = {}): PodSecurityDeviation[] {
  const pod = rec(podSpec);
  const out: PodSecurityDeviation[] = [];
  const base = (field: (string | number)[], message: string) => out.push({ profile: 'baseline', field, message });
  const strict = (field: (string | number)[], message: string) => out.push({ profile: 'restricted', field, message });
  const psc = rec(pod.securityContext);
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[k] === true) base([k], `${k} shares the node's namespace`);
  if (rec(psc.windowsOptions).hostProcess === true) base(['securityContext', 'windowsOptions', 'hostProcess'], 'a HostProcess pod runs on the host');
  list(psc.sysctls).forEach((s, i) => { const n = String(rec(s).name); if (!SAFE_SYSCTLS.has(n)) base(['securityContext', 'sysctls', i, 'name'], `sysctl ${n} is not in the safe set`); });
  if (rec(psc.seccompProfile).type === 'Unconfined') base(['securityContext', 'seccompProfile', 'type'], 'seccomp profile Unconfined');
  seLinux(rec(psc.seLinuxOptions), ['securityContext', 'seLinuxOptions'], base);
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !v.startsWith('localhost/')) base(['metadata', 'annotations', k], `AppArmor profile ${v}`);
  }
  list(pod.volumes).forEach((v, i) => {
    const vol = rec(v);
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (vol.hostPath !== undefined) base(['volumes', i, 'hostPath'], `volume ${String(vol.name)} is a hostPath`);
    else if (type !== undefined && !RESTRICTED_VOLUMES.has(type)) strict(['volumes', i, type], `volume ${String(vol.name)} is of type ${type} (restricted allows ${[...RESTRICTED_VOLUMES].join(', ')})`);
  });
  const podNonRoot = psc.runAsNonRoot === true;
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(String(rec(psc.seccompProfile).type));
  if (psc.runAsUser === 0) strict(['securityContext', 'runAsUser'], 'runs as root (runAsUser 0)');
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    list(pod[field]).forEach((c, i) => {
      const ctr = rec(c);
      const at = (...rest: string[]) => [field, i, ...rest];
      const name = String(ctr.name);
      const sc = rec(ctr.securityContext);
      if (sc.privileged === true) base(at('securityContext', 'privileged'), `container ${name} is privileged`);
      if (rec(sc.windowsOptions).hostProcess === true) base(at('securityContext', 'windowsOptions', 'hostProcess'), `container ${name} is a HostProcess container`);
      list(ctr.ports).forEach((p, j) => { const hp = rec(p).hostPort; if (typeof hp === 'number' && hp !== 0) base([field, i, 'ports', j, 'hostPort'], `container ${name} binds host port ${hp}`); });
      if (sc.procMount !== undefined && sc.procMount !== 'Default') base(at('securityContext', 'procMount'), `container ${name} has procMount ${String(sc.procMount)}`);
      if (rec(sc.seccompProfile).type === 'Unconfined') base(at('securityContext', 'seccompProfile', 'type'), `container ${name} has seccomp profile Unconfined`);
      seLinux(rec(sc.seLinuxOptions), at('securityContext', 'seLinuxOptions'), base);
      const caps = rec(sc.capabilities);
      list(caps.add).forEach((cap, j) => {
        if (!BASELINE_CAPABILITIES.has(String(cap))) base([field, i, 'securityContext', 'capabilities', 'add', j], `container ${name} adds capability ${String(cap)}`);
        else if (cap !== 'NET_BIND_SERVICE') strict([field, i, 'securityContext', 'capabilities', 'add', j], `container ${name} adds capability ${String(cap)} (restricted allows NET_BIND_SERVICE only)`);
      });
      if (sc.allowPrivilegeEscalation !== false) strict(at('securityContext', 'allowPrivilegeEscalation'), `container ${name} does not set allowPrivilegeEscalation: false`);
      if (!list(caps.drop).includes('ALL')) strict(at('securityContext', 'capabilities', 'drop'), `container ${name} does not drop ALL capabilities`);
      if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) strict(at('securityContext', 'runAsNonRoot'), `container ${name} may run as root (runAsNonRoot is not true on the pod or the container)`);
      if (sc.runAsUser === 0) strict(at('securityContext', 'runAsUser'), `container ${name} runs as root (runAsUser 0)`);
      const ctrSeccomp = rec(sc.seccompProfile).type;
      if (ctrSeccomp === undefined ? !podSeccomp : !['RuntimeDefault', 'Localhost'].includes(String(ctrSeccomp))) {
        if (ctrSeccomp !== 'Unconfined') strict(at('securityContext', 'seccompProfile'), `container ${name} has no RuntimeDefault or Localhost seccomp profile (on the pod or the container)`);
      }
    });
  }
  return out;
}

function seLinux(o: Rec, at: (string | number)[], report: (field: (string | number)[], message: string) => void): void {
  if (o.type !== undefined && !SELINUX_TYPES.has(String(o.type))) report([...at, 'type'], `SELinux type ${String(o.type)}`);
  if (o.user !== undefined) report([...at, 'user'], 'a custom SELinux user');
  if (o.role !== undefined) report([...at, 'role'], 'a custom SELinux role');
}

/** The deviations that make a pod fail a profile (baseline: baseline deviations only). */
export function violationsOf(profile: 'baseline' | 'restricted', deviations: readonly PodSecurityDeviation[]): PodSecurityDeviation[] {
  return profile === 'restricted' ? [...deviations] : deviations.filter((d) => d.profile === 'baseline');
}

/**
 * Label on the Deployments of a `type: manifests` workload (both tracks): their pod spec is the
 * user's, kept as written, so the `pod-security` lint rule reports its deviations from restricted.
 */
export const WORKLOAD_SOURCE_LABEL = 'canary.cdk8s.io/workload';
