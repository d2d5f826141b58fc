/**
 * Help texts of `tierdiff fuzz`, `replay` and `corpus` (cli/fuzz.ts, cli/replay.ts,
 * cli/corpus-cmd.ts), kept apart so `tierdiff --help` does not load the fuzzing harness.
 */
export const FUZZ_HELP = `usage: tierdiff fuzz [--seconds N | --runs N] [--seed S] [--workers K] [--shard i/n] [--guided]
                    [--faults a,b] [--corpus DIR] [--no-save] [--max-failures N]

A fuzzing campaign: generated programs + tier-up parameters + mutation events, run on every
configuration side by side (the property of 'npm test'), in K worker threads. Every failure is
shrunk (fast-check, then the minimizer) and saved to the corpus as it is found; its name and
replay token are printed. A status line goes to stderr every 3 s:
  #cases  cov: features  ft: features with count buckets  pool: guided seeds  exec/s  fail  disc  elapsed
and a summary to stdout at the end.

  --seconds N       stop after N seconds (default without --runs: until Ctrl-C)
  --runs N          run N cases of this shard, split over the workers (the same N cases
                    whatever the number of workers)
  --seed S          campaign seed (integer, default 1): case j of the campaign is the case the
                    property generates at fast-check seed caseSeed(S, j), path j mod 1000, so its
                    token td1s:<seed>:<path> replays it
  --workers K       worker threads (default: os.availableParallelism())
  --shard i/n       run only the cases j with j mod n = i: n machines with the same seed and
                    shards 0/n .. n-1/n run one campaign without overlap; merge their corpora by
                    copying corpus/found/*.json (names are content hashes)
  --guided          coverage-guided: keep the cases that reach a new coverage feature as seeds
                    and mutate them (program ints and statements, events, parameters, cross-over)
                    for most of the cases, so the campaign drifts toward what it has not reached
  --faults a,b      run with these faults of the fault catalog on (test-only; names as in
                    'tierdiff selftest', e.g. cache-no-clear-on-func-dealloc)
  --corpus DIR      where failures are saved (default: $TIERDIFF_CORPUS or corpus/found)
  --no-save         do not minimize or save failures (print them only)
  --max-failures N  stop the campaign after N failures (default 10)

exit status: 0 no failure, 1 failures found, 2 usage error, 4 internal error

examples: tierdiff fuzz --seconds 60
          tierdiff fuzz --runs 2000 --seed 7 --workers 2 --guided
          tierdiff fuzz --seconds 3600 --seed 42 --shard 1/4`;


export const REPLAY_HELP = `usage: tierdiff replay <corpus-file.json | token | program.tda | program.py> [--trace] [--faults a,b|none]

Re-runs a case — a corpus file, a replay token (td1:... carries the whole case; td1s:<seed>:<path>
names the case the property generates there), or a program without events — on every
configuration, deterministically (the same input prints the same bytes). Prints the events,
whether the case passes now, and for a failure:
  - the phase (start, event N, teardown) after which the configurations first differ;
  - the step where they part, found by bisection over the step budget (every configuration
    counts the same steps): the instruction executing (and its specialized form in tier 1),
    the frames, locals and stack that differ, on both sides, and the invariant that broke;
  - a dis listing of the function around that instruction (also as tier 1 specialized it);
  - the failure report (outcomes, parameters, events, program) and the replay token.

  --trace          also print where every configuration is after each of the last 6 steps up to
                   the divergence (next instruction, locals, stack), side by side
  --faults a,b     run with these faults (fault catalog names) instead of the ones recorded with the case;
                   --faults none runs without any

exit status: 0 the case passes now (or is not compared: step budget, outside the subset),
             1 it still fails, 2 bad input

example: tierdiff replay corpus/found/0123456789abcdef.json --trace`;


export const CORPUS_HELP = `usage: tierdiff corpus add <file|token>... [--note TEXT] [--faults a,b] [--corpus DIR]
       tierdiff corpus list [--corpus DIR]
       tierdiff corpus minimize <file|token> [--faults a,b|none] [--corpus DIR]

The corpus (default: $TIERDIFF_CORPUS or corpus/found) holds saved cases, one JSON file each,
named by the hash of the case (program, events, parameters, faults): the same case is stored
once, and corpora merge by copying files. 'npm test' replays every file first: a case must pass
(once its bug is fixed it is a regression test); a case recorded with fault switches must also
still fail with them on.

  add        validate and save cases: a corpus file from elsewhere, a replay token, or a
             program (.tda, or .py compiled by CPython 3.14; saved without events). The program
             must compile and pass the verifier, and the reference interpreter must run it to an
             outcome (no internal error, within the step budget, inside the subset). Then it is
             run on every configuration and saved with the failure it shows (or none).
               --note TEXT   what the case pins down (shown by list)
               --faults a,b  record these faults (fault catalog names) with the case
  list       one line per case: name, status now (run without faults), the failure recorded
             when it was saved, faults, size, events, date, and what it covers (specialized
             forms, function-cache events); broken or outdated files and leftover temp files
             are listed by name with the reason (nothing is ever deleted)
  minimize   shrink a failing case further (statements, events) while it fails the same way,
             and save the smaller case as a new file (the old one is kept)
               --faults a,b  the faults to run with (default: the case's own)

exit status: 0 done, 1 add: a case was rejected / minimize: the case does not fail,
             2 usage or input error

examples: tierdiff corpus add 'td1:...' --note "slot kept after __code__ assignment"
          tierdiff corpus list
          tierdiff corpus minimize corpus/found/0123456789abcdef.json`;
