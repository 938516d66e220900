import { ProviderModel } from '../model';
import { prometheusProvider } from './prometheus';
import { MetricProvider } from './provider';
import { webProvider } from './web';

/** Every provider, by the key it has under `provider:` in a metric. Adding one is one file and one line. */
export const PROVIDERS: { readonly [K in ProviderModel['kind']]: MetricProvider<Extract<ProviderModel, { kind: K }>> } = {
  prometheus: prometheusProvider,
  web: webProvider,
};

/** The provider of a metric. */
export function providerFor<P extends ProviderModel>(p: P): MetricProvider<P> {
  return PROVIDERS[p.kind] as unknown as MetricProvider<P>;
}
