/**
 * What every command does first (the CLI's preAction hook): repair what an interrupted command left.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RepositoryBusyError, withRepositoryLock } from '../git';
import { recoverOutput, recoverTree } from '../synth/write';
import { readJournal, repairInterruptedMove } from './journal';
import { openGit } from './lock';
import { journalFile, lockPlace, pendingRepair, repairedOutputs } from './places';

/**
 * Checks that the repository root exists and, unless another command holds the repository lock
 * right now, repairs what an interrupted command left behind: a tree swap cut between its two
 * renames (dist/, one release's folder, or any folder an interrupted move's journal lists), and a
 * move killed before its commit (its spec and dist/ folders go back to the commit it started from;
 * see journal.ts). A busy lock is left to the command's own locking: read-only commands go on,
 * writers fail cleanly.
 *
 * @param output the command's `--output` folder (relative to root), also repaired when inside the root
 * @param options.readOnly the command only reads (status, diff, traffic, validate, verify): an
 *   interrupted move is not put back (a note says the next writing command will); only a tree swap
 *   cut between its renames is completed, which restores the old tree and touches no user content
 * @returns notes for the user (what was repaired), one line each; [] in the usual case
 * @throws UsageError when `root` is not a directory
 */
export async function recoverRepository(root: string, output?: unknown, options: { readonly readOnly?: boolean } = {}): Promise<string[]> {
  const abs = path.resolve(root);
  if (!pendingRepair(root, output)) return []; // the usual case: nothing to repair, no lock taken
  const place = lockPlace(abs);
  const journal = journalFile(place.dir);
  const outputs = repairedOutputs(abs, output);
  const notes: string[] = [];
  try {
    await withRepositoryLock(place.dir, place.name, async () => {
      // a tree swap cut between its two renames goes back to its old tree: no content of the user's is involved
      for (const o of outputs) recoverOutput(o);
      if (!fs.existsSync(journal)) return;
      if (options.readOnly) {
        // a read-only command does not put files back from git: it says what the next writing command will repair
        const j = readJournal(journal);
        notes.push(`note: ${j ? `an interrupted move of ${j.release} ("${j.subject}")` : 'an interrupted move'} is not repaired yet; this command changes no file, and what it shows may be half-made: the next writing command (synth or a move) repairs it first`);
        return;
      }
      // folders a move owns may sit deeper than dist/<name>/ (e.g. a fleet wave's dist/<release>/<cluster>/)
      for (const p of readJournal(journal)?.paths ?? []) recoverTree(path.resolve(abs, p));
      notes.push(...await repairInterruptedMove(await openGit(abs), journal, abs));
    });
  } catch (e) {
    if (!(e instanceof RepositoryBusyError)) throw e;
  }
  return notes;
}
