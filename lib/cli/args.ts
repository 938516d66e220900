/**
 * Strict command-line values, through commander (every option's `argParser`): an option that takes a
 * value may be given once, not empty, and a short option's value joined to it does not start with '='
 * (`-o=dist` is `-o "=dist"` to commander, as to getopt; `--message '= note'` is a message); values that fill a spec field are checked by that
 * field's rules (lib/spec/cli-values.ts), naming the flag. Each refusal is a UsageError (exit 2)
 * thrown while commander parses, before the command runs: nothing is read, written or committed.
 *
 * A weight (`set-weight NAME W`) is a positional argument whose range is the spec's weightTotal, so
 * it is checked by the move, with the one grammar of lib/rollout/weight.ts.
 */
import { Command, Option } from 'commander';
import { describeValue, UsageError } from '../spec/errors';
import { imageFault, namespaceFault, ValueFault, versionFault } from '../spec/cli-values';

/** A folder name given on the command line: white space at either end is a typo, not part of a name. */
function folderFault(v: string): ValueFault | undefined {
  return v !== v.trim() ? { message: 'has white space at its start or end', hint: `write the folder without it: ${JSON.stringify(v.trim())}` } : undefined;
}

/** Checks of the values that fill a spec field or name a folder, by `<command> <long flag>`. */
const VALUE_CHECKS: Readonly<Record<string, (v: string) => ValueFault | undefined>> = {
  'synth --output': folderFault,
  'diff --dist': folderFault,
  'traffic --dist': folderFault,
  'start --version': versionFault,
  'start --image': (v) => imageFault(v, 'reference'),
  'new --version': versionFault,
  'new --image': (v) => imageFault(v, 'repository'),
  'new --namespace': namespaceFault,
};

/**
 * Options that may repeat, each value a paragraph of the result, as `git commit -m a -m b` joins
 * them with a blank line (git-commit(1), OPTIONS, -m).
 */
const PARAGRAPHS = new Set(['--message']);

/** Options that say themselves what is wrong with an empty value (review.ts: `--dist ''`). */
const OWN_EMPTY_CHECK = new Set(['--dist']);

/** `-o/--output`, `--version`: how a message names an option. */
function flagName(o: Option): string {
  return o.short && o.long ? `${o.short}/${o.long}` : (o.long ?? o.short ?? o.flags);
}

function refuse(flag: string, message: string, value: string | undefined, hint: string): never {
  throw new UsageError(`${flag}: ${message}${value === undefined ? '' : ` (${describeValue(value)})`}; ${hint}`);
}

/**
 * Whether `value` came joined to the short flag (`-o=dist`, one word), not as a word of its own
 * (`--message '= note'`, `-m '= note'`: a value that begins with '=' as written). Reads the words
 * commander was given (`rawArgs`, set by parse before any option is read); when they are not there,
 * assumes joined (the refusal, with its fix, is the safe side).
 */
function joinedToShort(program: Command, short: string, value: string): boolean {
  const words = (program as unknown as { readonly rawArgs?: readonly string[] }).rawArgs;
  return !words?.length || words.includes(`${short}${value}`);
}

/**
 * Makes every value-taking option of `program` and its commands strict (see the file's comment).
 * Options that collect repeated values (a parser of their own, such as `verify -H`) keep it and may
 * repeat; `-m/--message` may repeat, one paragraph each. Call once, after every command is registered; the state (which options were given) lives
 * in `program`'s closure, one per parse.
 */
export function strictOptions(program: Command): void {
  const given = new Map<string, string>();
  const flagsOf = (c: Command) => (c.options as Option[]).flatMap((o) => [o.short, o.long]).filter((f): f is string => !!f);
  for (const cmd of [program, ...program.commands]) {
    const flags = new Set([...flagsOf(program), ...flagsOf(cmd), '-h', '--help']);
    for (const o of cmd.options as Option[]) {
      if (!(o.required || o.optional) || o.variadic || o.parseArg) continue;
      const flag = flagName(o);
      const key = o.long ?? o.short ?? o.flags; // -C before and after the command is one option
      const check = VALUE_CHECKS[`${cmd.name()} ${o.long}`];
      o.argParser((value: string, previous: unknown) => {
        const first = given.get(key);
        if (first !== undefined && !PARAGRAPHS.has(key)) throw new UsageError(`${flag}: is given twice (${describeValue(first)}, then ${JSON.stringify(value)}); give ${flag} once`);
        given.set(key, value);
        if (value === '' && !OWN_EMPTY_CHECK.has(o.long ?? '')) refuse(flag, 'is empty', value, `give it a value, or leave ${flag} out`);
        if (o.short && value.startsWith('=') && joinedToShort(program, o.short, value)) {
          refuse(flag, `takes its value after a space, so '=' became part of it`, value, `write ${o.short} ${value.slice(1) || 'VALUE'}${o.long ? ` or ${o.long}=${value.slice(1) || 'VALUE'}` : ''}`);
        }
        // `-m --dry-run`, `-o --help`: the option took the next flag as its value (a commit with the body '--dry-run')
        const next = value.split('=')[0];
        if (flags.has(next) || /^--[a-z][a-z-]*$/.test(next)) {
          refuse(flag, `takes a value, but got ${flags.has(next) ? 'the option' : 'what reads as an option,'} ${next}`, value, `give ${flag} its value first: ${o.long ?? o.short} VALUE ${value}`);
        }
        const fault = check?.(value);
        if (fault) refuse(flag, fault.message, value, fault.hint);
        return first !== undefined && typeof previous === 'string' ? `${previous}\n\n${value}` : value;
      });
    }
  }
}
