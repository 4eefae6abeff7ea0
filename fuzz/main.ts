/**
 * `npm run fuzz`: the fuzz runner's command line (test/fuzz/run.ts). Kept out
 * of test/ so that `node --test dist/test/` never starts a million cases.
 */
import { fuzzMain } from '../test/fuzz/run';

process.exitCode = fuzzMain(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
