/** A plain Service: the last resort for a call to a cluster host name that no router takes. */
import { refOf, serviceOfHost } from '../../../manifests/objects';
import { TrafficReader } from './reader';

export const serviceReader: TrafficReader = {
  name: 'service',

  resolveCall(ix, call) {
    const svc = serviceOfHost(call.host, call.fromNamespace);
    const s = svc ? ix.service(svc.namespace, svc.name) : undefined;
    if (!svc || !s) return undefined;
    return { backends: [{ namespace: svc.namespace, name: svc.name, share: 1, via: refOf(s.obj) }], objects: [refOf(s.obj)], notes: [] };
  },
};
