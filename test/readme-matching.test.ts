import { outputMatches } from './support/readme';

// The matching rules of the README's checked transcripts (test/support/readme.ts): what the clock
// changes matches any value of its kind, everything else exactly.
describe('README transcripts: values that depend on the clock', () => {
  const header = (time: string, commit: string, delay: string, length: string, window: string) => [
    `analyze workshop: canary 1.1.0 at 25%; window from ${time} (${commit} "workshop: canary 1.1.0 0% -> 25%" + startDelay ${delay}), ${length}`,
    `error-rate  0.04762  sum(increase(x[${window}]))`,
  ];
  const shown = header('2026-11-30T20:01:27Z', '03764be', '2m', '23m 3s', '1383s');

  test('GIVEN a run at another time WHEN its times, commit ids and window lengths differ THEN the transcript matches', () => {
    expect(outputMatches(shown, header('2027-01-02T03:04:05Z', '16dc4d4', '2m', '28m 15s', '1695s'))).toBe(true);
    // a window of whole minutes prints without seconds; a longer one with hours
    expect(outputMatches(shown, header('2027-01-02T03:04:05Z', '16dc4d4', '2m', '28m', '1680s'))).toBe(true);
    expect(outputMatches(shown, header('2027-01-02T03:04:05Z', '16dc4d4', '2m', '1h 5m', '3900s'))).toBe(true);
    expect(outputMatches(['"start": "2026-11-30T23:51:20.000Z",'], ['"start": "2027-01-02T03:04:05.123Z",'])).toBe(true);
  });

  test('GIVEN a setting or a value that the clock does not change WHEN it differs THEN the transcript does not match', () => {
    expect(outputMatches(shown, header('2026-11-30T20:01:27Z', '03764be', '3m', '23m 3s', '1383s'))).toBe(false); // startDelay is a setting
    expect(outputMatches(shown, [shown[0], 'error-rate  0.04763  sum(increase(x[1383s]))'])).toBe(false);
    expect(outputMatches(shown, [shown[0], 'error-rate  0.04762  sum(rate(x[1383s]))'])).toBe(false);
    expect(outputMatches(shown, [shown[0].replace('window from 2026-11-30T20:01:27Z', 'window from yesterday'), shown[1]])).toBe(false);
    expect(outputMatches(shown, [shown[0].replace(', 23m 3s', ', soon'), shown[1]])).toBe(false);
    expect(outputMatches(shown, shown.slice(0, 1))).toBe(false);
  });
});
