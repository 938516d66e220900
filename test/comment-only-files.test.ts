/**
 * Issue 19, fault 1: whether a spec or cdk8s-canary.yaml holds only comments was decided by
 * /^(\s*#.*\n?)*\s*$/, which backtracks exponentially: 22 leading comment lines took 1.6 s, about 30
 * hung every command. The check is now a linear scan (onlyComments); these inputs would not finish
 * under the old expression (jest's timeout fails the test). test/regex-safety (recheck) covers every
 * other expression of lib/.
 */
import { onlyComments } from '../lib/spec/document';
import { parseSpec } from '../lib/spec/loader';
import { parseProjectConfig } from '../lib/spec/project-config';
import { specText } from './support/specs';

const comments = (n: number) => Array.from({ length: n }, (_, i) => `# comment line ${i}`).join('\n');

describe('files of comments only are found in linear time', () => {
  test('5000 comment lines (and a trailing space line) are an empty spec and an empty config', () => {
    const text = `${comments(5000)}\n   \n`;
    expect(onlyComments(text)).toBe(true);
    const spec = parseSpec('releases/shop.yaml', text);
    expect('problems' in spec && spec.problems.map((p) => p.message)).toEqual(['file is empty']);
    const config = parseProjectConfig('cdk8s-canary.yaml', text);
    expect('problems' in config && config.problems.map((p) => p.message)).toEqual(['file is empty']);
  });

  test('the adversarial case of the old expression: comment lines then one character that is not a comment', () => {
    // GIVEN 40 comment lines followed by text (the old expression backtracked over every split of the comments)
    const text = `${comments(40)}\nx`;
    // THEN it is not comments only, and the loader goes on to report what is wrong with it
    expect(onlyComments(text)).toBe(false);
    const spec = parseSpec('releases/shop.yaml', text);
    expect('problems' in spec && spec.problems[0].message).not.toBe('file is empty');
  });

  test('a valid spec after 200 comment lines loads; CRLF and CR line ends count as lines', () => {
    const spec = parseSpec('releases/shop.yaml', `${comments(200)}\n${specText('shop')}`);
    expect('release' in spec && spec.release.model.name).toBe('shop');
    expect(onlyComments('# a\r\n# b\r\n')).toBe(true);
    expect(onlyComments('# a\rname: x')).toBe(false);
    expect(onlyComments('')).toBe(true);
  });
});
