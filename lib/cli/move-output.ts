import { MoveEvent, MoveKind, MoveFlags, MoveResult, runMove } from '../moves';
import { unifiedDiff } from '../review/unified-diff';
import { CliContext } from './context';
import { EXIT_OK } from './output';

/** Runs one move (lib/moves) and prints what it did; the exit code is 0 unless it throws. */
export async function runMoveCommand(ctx: CliContext, kind: MoveKind, flags: MoveFlags): Promise<void> {
  const r = await runMove(ctx.root(), kind, flags, { onEvent: (e) => printEvent(ctx, e) });
  for (const line of moveLines(r)) ctx.io.out(line);
  ctx.setCode(EXIT_OK);
}

/** A warning, progress note or timing line, on stderr as it happens. */
export function printEvent(ctx: CliContext, e: MoveEvent): void {
  switch (e.type) {
    case 'warning': ctx.io.err(`warning: ${e.message}`); break;
    case 'timing': ctx.io.err(`timing: ${e.message}`); break;
    default: ctx.io.err(e.message);
  }
}

/** The stdout lines of a move's result. */
export function moveLines(r: MoveResult): string[] {
  if (r.status === 'unchanged') return [`nothing to do: ${r.reason}; no commit made`];
  const folders = r.outputPaths.map((p) => `${p}/`);
  const out: string[] = [];
  switch (r.status) {
    case 'dry-run':
      // the same for releases and groups: the diff `git diff` would show after the move
      for (const c of r.changes) {
        out.push(`diff --git a/${c.path} b/${c.path}`);
        if (c.before === undefined) out.push('new file mode 100644'); // as git writes it, so `git apply` creates the file
        if (c.after === undefined) out.push('deleted file mode 100644');
        out.push(unifiedDiff(c).replace(/\n$/, ''));
      }
      out.push(`dry run: would commit "${r.message.subject}" changing ${r.changes.length} file(s); nothing was written`);
      return out;
    case 'written':
      return [
        `${r.message.subject} (not committed)`,
        `edited ${r.specPath} and ${folders.join(' and ')} (${r.changes.length} file(s)); review with \`git diff\`, then commit both paths`,
      ];
    case 'committed':
      return [
        r.message.subject,
        `[${r.branch} ${(r.sha ?? '').slice(0, 7)}] ${r.changes.length} file(s): ${[r.specPath, ...folders].join(', ')}`,
        r.next,
        ...(r.pushedTo ? [`pushed to ${r.pushedTo}`] : []),
      ];
  }
}
