/**
 * Entry points of one release that serve the same host and path through two controllers: while a
 * release moves off ingress-nginx (`router.migrateTo.gatewayApi`), its Ingress pair and its HTTPRoute.
 * DNS decides which one a user reaches, so both must carry the same traffic at every instant: the same
 * share per version for users, and the same version for every tester condition.
 */
import { EntryTraffic } from './model';
import { summaryLine } from './render';

/** Two entry points of one release for the same host and path, by different kinds of object. */
export interface EntryPair {
  readonly first: EntryTraffic;
  readonly second: EntryTraffic;
}

const kindOf = (e: EntryTraffic): string => e.entry.slice(0, e.entry.indexOf(' '));
/** Host and path as compared: an exact path shown `= /x` by the Gateway API reader is `/x` on an Ingress. */
const keyOf = (e: EntryTraffic): string => `${e.release}\0${e.host}\0${e.path.replace(/^= /, '')}`;

/** Every pair of entry points of one release serving the same host and path through different kinds of object. Pure. */
export function entryPairs(entries: readonly EntryTraffic[]): EntryPair[] {
  const byKey = new Map<string, EntryTraffic[]>();
  for (const e of entries) byKey.set(keyOf(e), [...(byKey.get(keyOf(e)) ?? []), e]);
  const out: EntryPair[] = [];
  for (const group of byKey.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) if (kindOf(group[i]) !== kindOf(group[j])) out.push({ first: group[i], second: group[j] });
    }
  }
  return out;
}

/**
 * How two entry points' traffic differs, one line per difference (empty when the same): the users'
 * shares per version, then each tester condition either side has. Pure.
 */
export function entryDifferences(a: EntryTraffic, b: EntryTraffic): string[] {
  const out: string[] = [];
  const ua = summaryLine(a.flows);
  const ub = summaryLine(b.flows);
  if (ua !== ub) out.push(`users: ${ua} vs ${ub}`);
  const testers = (e: EntryTraffic) => new Map(e.testers.map((t) => [t.condition, summaryLine(t.flows)]));
  const ta = testers(a);
  const tb = testers(b);
  for (const c of [...new Set([...ta.keys(), ...tb.keys()])].sort()) {
    if (ta.get(c) !== tb.get(c)) out.push(`${c}: ${ta.get(c) ?? 'no such tester rule'} vs ${tb.get(c) ?? 'no such tester rule'}`);
  }
  return out;
}

/** The note `traffic` shows on each entry point of a pair. */
export function pairNote(self: EntryTraffic, other: EntryTraffic): string {
  const diff = entryDifferences(self, other);
  return `same host and path as ${other.entry}: users reach the one DNS points at (moving off ingress-nginx); ${diff.length ? `they DIFFER: ${diff.join('; ')}` : 'both carry the same traffic'}`;
}
