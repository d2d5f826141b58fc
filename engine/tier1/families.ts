/**
 * Registers every specialized family (uops, macros and specializer), one module per family.
 * Families not listed yet refuse to specialize ("not modeled"), which is safe: the base
 * instruction's generic path runs.
 */
import "./specialize-binary.ts";
import "./specialize-compare.ts";
import "./specialize-tobool.ts";
import "./specialize-sequence.ts";
import "./specialize-call.ts";
import "./specialize-global.ts"; import "./specialize-attr.ts";
export {};
