/** Options of a bench run, from the command line. */
export interface BenchArgs {
  /** Longer and more paired rounds (10 x 2 s per target rather than 6 x 1 s). */
  full: boolean;
  /** Figures to run (of {@link FIGURES}; 9-12 need PostgreSQL); all when empty. */
  only: number[];
  /** Log level of the measured servers; `info`, as `flagwire serve` runs by default. */
  logLevel: string;
  /** Write V8 CPU profiles of the servers into this directory. */
  profileDir: string | undefined;
  /** Where to write the report; BENCHMARKS.md at the repository root by default. */
  out: string | undefined;
}

/** The figures the suite measures. */
export const FIGURES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];

const USAGE = "usage: npm run bench -- [--full] [--only 1,3] [--log-level info] [--profile DIR] [--out FILE]";

/** Parses `--full`, `--only 1,2`, `--log-level L`, `--profile DIR`, `--out FILE` (also in `--flag=value` form). */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { full: false, only: [], logLevel: "info", profileDir: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case "--full":
        args.full = true;
        break;
      case "--only":
        args.only = value().split(",").map((s) => {
          const n = Number(s);
          if (!FIGURES.includes(n)) throw new Error(`--only takes figure numbers ${FIGURES.join(", ")}, not ${JSON.stringify(s)}\n${USAGE}`);
          return n;
        });
        break;
      case "--log-level":
        args.logLevel = value();
        break;
      case "--profile":
        args.profileDir = value();
        break;
      case "--out":
        args.out = value();
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(argv[i])}\n${USAGE}`);
    }
  }
  return args;
}

/** Whether figure `n` runs. */
export function wants(args: BenchArgs, n: number): boolean {
  return args.only.length === 0 || args.only.includes(n);
}
