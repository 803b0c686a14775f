/** What a test needs from the machine: when it is there, or when CI requires it. */
export interface Requirement {
  /** Whether the tests that need it run: it is available, or FLAGWIRE_REQUIRE_<name>=1 demands them. */
  run: boolean;
  /** Fails the test, saying what is missing, when the requirement is demanded but not met. */
  check(): void;
}

/**
 * A requirement that is skipped where it is missing (a developer's machine), unless FLAGWIRE_REQUIRE_<name>=1:
 * CI sets it, so that there a missing requirement fails the test instead of skipping it silently.
 */
/** The machine parts a test may need; CI demands each one with FLAGWIRE_REQUIRE_<name>=1. */
export type RequirementName = "POLYGLOT" | "TMPFS" | "NOBODY" | "POSTGRES" | "BROWSER" | "GO" | "SYSTEMD";

export function requirement(name: RequirementName, available: boolean, missing: string): Requirement {
  const variable = `FLAGWIRE_REQUIRE_${name}`;
  return {
    run: available || process.env[variable] === "1",
    check() {
      if (!available) throw new Error(`${variable}=1, but ${missing}`);
    },
  };
}
