/**
 * Registers every specialized family (uops, macros and specializer), one module per family.
 * Families not listed yet refuse to specialize ("not modeled"), which is safe: the base
 * instruction's generic path runs.
 */
export {};
