import { validateObject } from './support/kube-schemas';
import { gatewayApp, mushop, s1, s3, sampleapp } from './support/manifests';

describe('hand-built scenario manifests used by the lint, traffic and diff tests', () => {
  test.each([
    ['S1 at 25% with header and cookie', () => s1({ stable: 'v0', canary: { version: 'v1', weight: 25, header: 'X-Canary', cookie: 'canary' } })],
    ['S3 canaries at 70/30', () => s3({ mains: '1.1', canary: '1.2', split: [70, 30] })],
    ['S4 MuShop 50/50', () => mushop({ original: 50, beta: 50 })],
    ['S4 MuShop rolled back', () => mushop(undefined)],
    ['S4 sample app 95/5', () => sampleapp({ prod: 95, canary: 5 })],
    ['Gateway API at 10%', () => gatewayApp(10)],
  ])('%s pass strict validation against the upstream schemas', (_n, build) => {
    // GIVEN the objects WHEN validated like kubeconform -strict THEN no problem: the analysis is tested on real shapes
    expect(build().flatMap((l) => validateObject(l.obj))).toEqual([]);
  });
});
