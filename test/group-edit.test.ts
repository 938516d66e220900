import * as path from 'path';
import { editGroupPosition, GroupPosition, positionOf } from '../lib/rollout/group';
import { parseGroup } from '../lib/spec/loader';
import { ROOT, S3_TEXT } from './support/groups';

const FILE = path.join(ROOT, 'releases/frontend-backend.yaml');

function edit(text: string, to: GroupPosition): { text: string; changed: string[]; position: GroupPosition } {
  const r = parseGroup(FILE, text, { relativeTo: ROOT });
  if ('problems' in r) throw new Error(JSON.stringify(r.problems));
  const out = editGroupPosition(r.group.source, to);
  const back = parseGroup(FILE, out, { relativeTo: ROOT });
  if ('problems' in back) throw new Error(JSON.stringify(back.problems));
  const a = text.split('\n');
  const b = out.split('\n');
  const changed = [...a.filter((l) => !b.includes(l)).map((l) => `- ${l}`), ...b.filter((l) => !a.includes(l)).map((l) => `+ ${l}`)];
  return { text: out, changed, position: positionOf(back.group.model) };
}

describe('group spec edits: only the stage and weight lines change', () => {
  test('stage 1 -> 2 changes the stage line only, comments and order untouched', () => {
    const r = edit(S3_TEXT, { stage: 2 });
    expect(r.changed).toEqual(['- stage: 1', '+ stage: 2']);
    expect(r.position).toEqual({ stage: 2 });
    expect(r.text.split('\n').filter((l) => l.startsWith('#'))).toEqual(S3_TEXT.split('\n').filter((l) => l.startsWith('#')));
  });

  test('stage 2 -> 3 writes the weight right after the stage', () => {
    const s2 = edit(S3_TEXT, { stage: 2 }).text;
    const r = edit(s2, { stage: 3, weight: 30 });
    expect(r.changed).toEqual(['- stage: 2', '+ stage: 3', '+ weight: 30']);
    expect(r.text).toMatch(/\nstage: 3\nweight: 30\napps:/);
    expect(r.position).toEqual({ stage: 3, weight: 30 });
  });

  test('a weight change at stage 3 changes the weight line only', () => {
    const s3 = edit(S3_TEXT, { stage: 3, weight: 30 }).text;
    expect(edit(s3, { stage: 3, weight: 50 }).changed).toEqual(['- weight: 30', '+ weight: 50']);
  });

  test('stage 3 -> 4 and abort to 1 remove the weight line; a trailing comment on the stage line survives', () => {
    const s3 = edit(S3_TEXT, { stage: 3, weight: 30 }).text.replace('stage: 3', 'stage: 3   # split at the entry');
    const r4 = edit(s3, { stage: 4 });
    expect(r4.changed).toEqual(['- stage: 3   # split at the entry', '- weight: 30', '+ stage: 4   # split at the entry']);
    expect(r4.position).toEqual({ stage: 4 });
    expect(edit(s3, { stage: 1 }).position).toEqual({ stage: 1 });
  });

  test('an indented or last-line stage keeps working', () => {
    const last = `${S3_TEXT.replace('stage: 1\n', '')}stage: 2`;
    const r = edit(last, { stage: 3, weight: 10 });
    expect(r.text.endsWith('stage: 3\nweight: 10\n')).toBe(true);
    expect(r.position).toEqual({ stage: 3, weight: 10 });
  });
});
