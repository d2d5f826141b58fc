/**
 * Base of the errors that point at a place in a program's input: AsmError (`file:line` in an
 * assembly text) and VerifyError (a code object, and an instruction in it). The message is always
 * `<location>: <reason>`; `reason` alone is kept for callers that report the place themselves.
 */
export abstract class LocatedError extends Error {
  constructor(
    location: string,
    /** what is wrong, without the location */
    readonly reason: string,
  ) {
    super(`${location}: ${reason}`);
  }
}
