// Facts of CPython 3.14's instruction table (Python/bytecodes.c) as committed data, and a checker for them.
//
//   node scripts/gen-uop-facts.mjs                 check engine/uops/cpython314-facts.json and
//                                                  engine/uops/cpython314-specialize-notes.json against real
//                                                  CPython 3.14.2 (the pyodide npm package; offline)
//   node scripts/gen-uop-facts.mjs --from-cache DIR
//                                                  regenerate engine/uops/cpython314-facts.json from a local,
//                                                  uncommitted cache DIR (see below), keeping the hand-written
//                                                  `notes` of the existing JSON, then run the checks
//
// The cache DIR is NOT part of the repository (it holds text derived from CPython's sources and is kept
// under /tmp by whoever regenerates). It contains:
//   skel.c          condensed bytecodes.c: every op/inst/macro/family header as written, and, inside op
//                   bodies, only the lines that determine flags (DEOPT_IF, EXIT_IF, ERROR_IF, ERROR_NO_POP,
//                   JUMPBY, DISPATCH_INLINED, SKIP_OVER, SYNC_SP, DECREF_INPUTS, CLOSE, ...)
//   uop_flags.txt   `[_UOP] = HAS_..._FLAG | ...,` lines of _PyUop_Flags (pycore_uop_metadata.h)
//   inst_flags.txt  `NAME: FLAG FLAG ...` from _PyOpcode_opcode_metadata (pycore_opcode_metadata.h)
//   expansions.txt  `NAME: uop size offset; ...` from _PyOpcode_macro_expansion (pycore_opcode_metadata.h)
// The facts are names, stack effects, cache layouts and flags only; no C code is stored in the JSON.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const FACTS = new URL("../engine/uops/cpython314-facts.json", import.meta.url);
const SPEC_NOTES = new URL("../engine/uops/cpython314-specialize-notes.json", import.meta.url);

// Instructions the project covers (base instructions; all their specialized forms are added).
export const COVERED = [
  "RESUME", "LOAD_CONST", "LOAD_SMALL_INT", "LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_LOAD_FAST",
  "LOAD_FAST_BORROW_LOAD_FAST_BORROW", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "STORE_FAST",
  "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST", "DELETE_FAST", "LOAD_GLOBAL", "STORE_GLOBAL",
  "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME", "DELETE_NAME", "LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR",
  "BINARY_OP", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE", "STORE_SLICE", "BUILD_SLICE", "COMPARE_OP",
  "IS_OP", "CONTAINS_OP", "UNARY_NEGATIVE", "UNARY_INVERT", "UNARY_NOT", "TO_BOOL", "POP_JUMP_IF_FALSE",
  "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE", "JUMP_FORWARD", "JUMP_BACKWARD",
  "JUMP_BACKWARD_NO_INTERRUPT", "GET_ITER", "FOR_ITER", "END_FOR", "POP_ITER", "POP_TOP", "PUSH_NULL", "COPY",
  "SWAP", "CALL", "CALL_KW", "RETURN_VALUE", "MAKE_FUNCTION", "SET_FUNCTION_ATTRIBUTE", "MAKE_CELL",
  "LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "COPY_FREE_VARS", "LOAD_BUILD_CLASS", "LOAD_LOCALS",
  "LOAD_FROM_DICT_OR_DEREF", "BUILD_TUPLE", "BUILD_LIST", "BUILD_MAP", "LIST_APPEND", "LIST_EXTEND", "MAP_ADD",
  "UNPACK_SEQUENCE", "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "CONVERT_VALUE", "BUILD_STRING", "RAISE_VARARGS",
  "PUSH_EXC_INFO", "POP_EXCEPT", "CHECK_EXC_MATCH", "RERAISE", "IMPORT_NAME", "IMPORT_FROM",
  "LOAD_COMMON_CONSTANT", "NOP", "NOT_TAKEN", "ENTER_EXECUTOR",
];

// Tier-1 ops that the tier-2 trace translator replaces (the `replaced` annotation); the replacement
// uops are included in `uops` so that tier 2 can be modelled from the same table.
const TIER2_REPLACEMENTS = {
  _FOR_ITER: ["_FOR_ITER_TIER_TWO"],
  _ITER_JUMP_LIST: ["_GUARD_NOT_EXHAUSTED_LIST"],
  _ITER_JUMP_TUPLE: ["_GUARD_NOT_EXHAUSTED_TUPLE"],
  _ITER_JUMP_RANGE: ["_GUARD_NOT_EXHAUSTED_RANGE"],
  _ITER_NEXT_LIST: ["_ITER_NEXT_LIST_TIER_TWO"],
  _POP_JUMP_IF_TRUE: ["_GUARD_IS_TRUE_POP", "_GUARD_IS_FALSE_POP"],
  _POP_JUMP_IF_FALSE: ["_GUARD_IS_FALSE_POP", "_GUARD_IS_TRUE_POP"],
};
const EXTRA_TIER2_UOPS = ["_GUARD_IS_NONE_POP", "_GUARD_IS_NOT_NONE_POP", "_CHECK_STACK_SPACE_OPERAND",
  "_CHECK_FUNCTION_VERSION_INLINE", "_CHECK_VALIDITY", "_SET_IP", "_EXIT_TRACE", "_JUMP_TO_TOP",
  "_START_EXECUTOR", "_MAKE_WARM", "_DEOPT", "_ERROR_POP_N", "_TIER2_RESUME_CHECK", "_FATAL_ERROR",
  "_LOAD_CONST_INLINE", "_LOAD_CONST_INLINE_BORROW", "_POP_TOP_LOAD_CONST_INLINE",
  "_POP_TOP_LOAD_CONST_INLINE_BORROW", "_POP_TWO_LOAD_CONST_INLINE_BORROW", "_CHECK_FUNCTION"];

// ---------------------------------------------------------------------------------------------------
// Parsing the cache (only in --from-cache mode)

const ANNOTATIONS = new Set(["pure", "tier1", "tier2", "specializing", "replaced", "no_save_ip", "override",
  "guard", "spilled", "split"]);

function splitTop(s, sep = ",") {
  const out = [];
  let depth = 0, cur = "";
  for (const ch of s) {
    if (ch === "(" || ch === "[") depth++;
    if (ch === ")" || ch === "]") depth--;
    if (ch === sep && depth === 0) { out.push(cur); cur = ""; } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== "");
}

function parseStackItem(item) {
  // name, name[size], name: type
  let type = null;
  const colon = item.indexOf(":");
  if (colon >= 0) { type = item.slice(colon + 1).trim().replace(/\s+\*/g, "*"); item = item.slice(0, colon).trim(); }
  const m = /^(\w+)(?:\[(.*)\])?$/.exec(item);
  if (!m) throw new Error(`bad stack item ${item}`);
  return { name: m[1], size: m[2] === undefined ? null : m[2].replace(/\s+/g, " ").trim(), type };
}

function parseEffect(eff) {
  const [lhs, rhs] = eff.split("--");
  if (rhs === undefined) throw new Error(`no -- in ${eff}`);
  const cache = [], inputs = [];
  for (const it of splitTop(lhs)) {
    const cm = /^(\w+)\/(-?\d+)$/.exec(it);
    if (cm) cache.push({ name: cm[1], size: Number(cm[2]) });
    else inputs.push(parseStackItem(it));
  }
  const outputs = splitTop(rhs).map(parseStackItem);
  return { cache, inputs, outputs };
}

function itemStr(it) { return it.size === null ? it.name : `${it.name}[${it.size}]`; }

export function parseSkeleton(text) {
  const lines = text.split("\n");
  const ops = {}, macros = {}, families = {}, pseudos = {};
  let i = 0;
  const order = [];
  while (i < lines.length) {
    let line = lines[i].trim();
    if (line === "" || line.startsWith("//")) { i++; continue; }
    // collect annotations
    const ann = [];
    let replicate = null;
    for (;;) {
      const m = /^(\w+)(\((\d+)\))?\s+(?=\w)/.exec(line);
      if (!m) break;
      if (m[1] === "replicate") { replicate = Number(m[3]); line = line.slice(m[0].length); continue; }
      if (ANNOTATIONS.has(m[1])) { ann.push(m[1]); line = line.slice(m[0].length); continue; }
      break;
    }
    const kindM = /^(inst|op|macro|family|pseudo)\s*\(/.exec(line);
    if (!kindM) throw new Error(`unrecognised line ${i + 1}: ${lines[i]}`);
    const kind = kindM[1];
    if (kind === "inst" || kind === "op") {
      // header until parentheses balance
      let header = line, j = i;
      const balanced = (s) => { let d = 0; for (const c of s) { if (c === "(") d++; if (c === ")") d--; } return d === 0; };
      while (!balanced(header)) { j++; header += " " + lines[j].trim(); }
      const hm = /^(?:inst|op)\s*\(\s*(\w+)\s*,\s*\((.*)\)\s*\)\s*\{?\s*$/.exec(header);
      if (!hm) throw new Error(`bad header at ${i + 1}: ${header}`);
      const name = hm[1];
      const eff = parseEffect(hm[2]);
      // body: until a line that is exactly "}"
      j++;
      if (lines[j] !== undefined && lines[j].trim() === "{") j++;
      const body = [];
      while (lines[j].trim() !== "}") { body.push(lines[j].trim()); j++; }
      ops[name] = { kind, name, annotations: ann, replicate, ...eff, body };
      order.push(name);
      i = j + 1;
      continue;
    }
    // macro / family / pseudo: until ';'
    const noComment = (s) => s.replace(/\/\/.*$/, "").trim();
    let text2 = noComment(line), j = i;
    while (!text2.trimEnd().endsWith(";")) { j++; text2 += " " + noComment(lines[j]); }
    i = j + 1;
    if (kind === "macro") {
      const mm = /^macro\s*\(\s*(\w+)\s*\)\s*=\s*(.*);$/.exec(text2.trim());
      if (!mm) throw new Error(`bad macro ${text2}`);
      macros[mm[1]] = mm[2].split("+").map((p) => p.trim()).filter((p) => p !== "");
    } else if (kind === "family") {
      const fm = /^family\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*=\s*\{(.*)\}\s*;$/.exec(text2.trim());
      if (!fm) throw new Error(`bad family ${text2}`);
      const members = fm[3].split(",").map((x) => x.trim()).filter((x) => /^\w+$/.test(x));
      families[fm[1]] = { sizeExpr: fm[2], members };
    } else {
      const pm = /^pseudo\s*\(\s*(\w+)/.exec(text2.trim());
      pseudos[pm[1]] = text2.trim();
    }
  }
  return { ops, macros, families, pseudos, order };
}

function bodyFlags(body) {
  const has = (re) => body.some((l) => re.test(l));
  return {
    deopt: has(/\bDEOPT_IF\s*\(/),
    exit: has(/\bEXIT_IF\s*\(/),
    error: has(/\bERROR_IF\s*\(|\bERROR_NO_POP\s*\(|goto (error|exception_unwind)\b/),
    errorNoPop: has(/\bERROR_NO_POP\s*\(|goto exception_unwind\b/),
    jump: has(/\bJUMPBY\s*\(|\bJUMP_TO_JUMP_TARGET\s*\(/),
    dispatchInlined: has(/\bDISPATCH_INLINED\s*\(/),
    skipOver: has(/\bSKIP_OVER\s*\(/),
    syncSp: has(/\bSYNC_SP\s*\(/),
    decrefInputs: has(/\bDECREF_INPUTS\s*\(/),
    loadIp: has(/\bLOAD_IP\s*\(/),
    entersTier2: has(/\bGOTO_TIER_TWO\s*\(/),
    recordsBranch: has(/\bRECORD_BRANCH_TAKEN\s*\(/),
    instrumentedJump: has(/\bINSTRUMENTED_JUMP\s*\(/),
  };
}

function parseUopFlags(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^\[(\w+)\]\s*=\s*(.*?),?\s*$/.exec(line.trim());
    if (!m) continue;
    out[m[1]] = m[2] === "0" ? [] : m[2].split("|").map((f) => f.trim().replace(/^HAS_/, "").replace(/_FLAG$/, ""));
  }
  return out;
}
function parseInstFlags(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].trim() === "" ? [] : m[2].trim().split(/\s+/);
  }
  return out;
}
function parseExpansions(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]] = m[2].split(";").map((p) => {
      const [uop, size, offset] = p.trim().split(/\s+/);
      const sz = { S: "OPARG_SIMPLE", R: "OPARG_REPLACED", SRO: "OPARG_SAVE_RETURN_OFFSET", TOP: "OPARG_TOP",
        BOTTOM: "OPARG_BOTTOM", O1: "OPERAND1_1" }[size] ?? Number(size);
      return { uop, size: sz, offset: Number(offset) };
    });
  }
  return out;
}

const FLAG_KEYS = { DEOPT: "deopt", EXIT: "exit", ERROR: "error", ERROR_NO_POP: "errorNoPop", ESCAPES: "escapes",
  PURE: "pure", JUMP: "jump", EVAL_BREAK: "evalBreak", ARG: "arg", LOCAL: "local", NAME: "name", CONST: "const",
  FREE: "free", NO_SAVE_IP: "noSaveIp", SYNC_SP: "syncSp", PERIODIC: "periodic" };

function buildFacts(cacheDir, oldFacts) {
  const rd = (f) => readFileSync(`${cacheDir}/${f}`, "utf8");
  const sk = parseSkeleton(rd("skel.c"));
  const uopFlags = parseUopFlags(rd("uop_flags.txt"));
  const instFlags = parseInstFlags(rd("inst_flags.txt"));
  const expansions = parseExpansions(rd("expansions.txt"));
  const problems = [];

  // Which instructions (macro or inst) belong to which family base.
  const familyOf = {};
  for (const [base, f] of Object.entries(sk.families)) {
    familyOf[base] = base;
    for (const m of f.members) familyOf[m] = base;
  }
  // BINARY_OP_INPLACE_ADD_UNICODE is commented out of the BINARY_OP family in bytecodes.c but deopts to it.
  familyOf.BINARY_OP_INPLACE_ADD_UNICODE = "BINARY_OP";

  const wanted = [];
  for (const base of COVERED) {
    wanted.push(base);
    if (sk.families[base]) wanted.push(...sk.families[base].members);
    if (base === "BINARY_OP") wanted.push("BINARY_OP_INPLACE_ADD_UNICODE");
  }

  const macros = {}, usedUops = new Set();
  for (const name of wanted) {
    let partsSrc;
    if (sk.macros[name]) partsSrc = sk.macros[name];
    else if (sk.ops[name] && sk.ops[name].kind === "inst") partsSrc = [name];
    else { problems.push(`no definition for ${name}`); continue; }
    const parts = [];
    let units = 0;
    for (const p of partsSrc) {
      const cm = /^(\w+)\/(-?\d+)$/.exec(p);
      if (cm) {
        const size = Number(cm[2]);
        if (cm[1] === "unused") parts.push({ unused: size });
        else if (cm[1] === "rewind") parts.push({ rewind: -size });
        else parts.push({ unused: size, cacheName: cm[1] });
        units += size;
        continue;
      }
      if (p === "flush") { parts.push({ flush: true }); continue; }
      const op = sk.ops[p];
      if (!op) { problems.push(`${name}: unknown part ${p}`); continue; }
      usedUops.add(p);
      const cache = op.cache.reduce((a, c) => a + c.size, 0);
      const part = { uop: p, cache };
      const named = op.cache.filter((c) => c.name !== "unused");
      if (named.length === 1 && op.cache.length === 1) part.cacheName = named[0].name;
      if (op.cache.length > 0 && !(named.length === 1 && op.cache.length === 1)) part.cacheEntries = op.cache;
      parts.push(part);
      units += cache;
    }
    const family = familyOf[name] ?? null;
    const base = family ?? name;
    macros[name] = { family, parts, cacheUnits: units };
    if (instFlags[name]) macros[name].instFlags = instFlags[name];
    else problems.push(`no instruction flags transcribed for ${name}`);
    macros[name].tier2Expansion = expansions[name] ?? null;
    void base;
  }

  // uops referenced, plus tier-2 replacements
  for (const [from, tos] of Object.entries(TIER2_REPLACEMENTS)) if (usedUops.has(from)) tos.forEach((t) => usedUops.add(t));
  EXTRA_TIER2_UOPS.forEach((u) => usedUops.add(u));
  const uops = {};
  for (const name of [...usedUops].sort()) {
    const op = sk.ops[name];
    if (!op) { problems.push(`uop ${name} not in skeleton`); continue; }
    const bf = bodyFlags(op.body);
    const tier2Name = op.kind === "inst" ? `_${name}` : name;
    const hdr = uopFlags[tier2Name] ?? (op.kind === "inst" ? null : null);
    const flags = {};
    const fromHeader = hdr !== null && hdr !== undefined;
    if (fromHeader) {
      for (const k of Object.values(FLAG_KEYS)) flags[k] = false;
      for (const f of hdr) { if (!FLAG_KEYS[f]) problems.push(`unknown flag ${f}`); else flags[FLAG_KEYS[f]] = true; }
      // consistency with the body-derived view
      for (const k of ["deopt", "exit"]) if (flags[k] !== bf[k]) problems.push(`${name}: header ${k}=${flags[k]} body ${k}=${bf[k]}`);
      if (flags.error !== bf.error) problems.push(`${name}: header error=${flags.error} body error=${bf.error}`);
    } else if (op.kind === "inst" && instFlags[name]) {
      for (const k of Object.values(FLAG_KEYS)) flags[k] = false;
      for (const f of instFlags[name]) flags[FLAG_KEYS[f]] = true;
    } else {
      flags.deopt = bf.deopt; flags.exit = bf.exit; flags.error = bf.error; flags.errorNoPop = bf.errorNoPop;
      flags.escapes = "unknown";
      flags.pure = op.annotations.includes("pure");
      flags.jump = bf.jump;
    }
    if (op.annotations.includes("pure")) flags.pure = true;
    if (bf.jump) flags.jump = true;
    const u = {
      kind: op.kind,
      inputs: op.inputs.map(itemStr),
      outputs: op.outputs.map(itemStr),
      cache: op.cache,
      flags,
      flagsSource: fromHeader ? "pycore_uop_metadata.h" : (op.kind === "inst" && instFlags[name] ? "pycore_opcode_metadata.h (instruction)" : "body (escapes unknown)"),
      body: Object.fromEntries(Object.entries(bf).filter(([k, v]) => v && !["deopt", "exit", "error", "errorNoPop", "jump"].includes(k))),
    };
    const typed = [...op.inputs, ...op.outputs].filter((x) => x.type);
    if (typed.length) u.types = Object.fromEntries(typed.map((x) => [x.name, x.type]));
    if (op.annotations.includes("specializing")) u.specializing = true;
    if (op.annotations.includes("tier1")) u.tier = 1;
    if (op.annotations.includes("tier2")) u.tier = 2;
    if (op.annotations.includes("replaced")) { u.replaced = true; u.tier2ReplacedBy = TIER2_REPLACEMENTS[name] ?? null; }
    if (op.annotations.includes("no_save_ip")) u.noSaveIp = true;
    if (op.replicate) u.replicate = op.replicate;
    u.tier2 = uopFlags[tier2Name] !== undefined ? tier2Name : null;
    uops[name] = u;
  }

  const families = {};
  for (const base of COVERED) if (sk.families[base]) families[base] = sk.families[base].members;
  const familyCacheExpr = {};
  for (const base of Object.keys(families)) familyCacheExpr[base] = sk.families[base].sizeExpr;

  const facts = {
    source: oldFacts?.source ?? {},
    conventions: oldFacts?.conventions ?? {},
    counters: oldFacts?.counters ?? {},
    families,
    familyCacheExpr,
    familyExtras: { BINARY_OP: ["BINARY_OP_INPLACE_ADD_UNICODE"] },
    macros,
    uops,
    notes: oldFacts?.notes ?? [],
  };
  return { facts, problems };
}

// ---------------------------------------------------------------------------------------------------
// Checking against real CPython 3.14 (pyodide)

// Opargs for which a family member is valid (used when comparing its stack effect with the base's).
const FORM_OPARGS = {
  LOAD_ATTR_METHOD_WITH_VALUES: [1, 3], LOAD_ATTR_METHOD_NO_DICT: [1, 3], LOAD_ATTR_METHOD_LAZY_DICT: [1, 3],
  LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES: [0, 2], LOAD_ATTR_NONDESCRIPTOR_NO_DICT: [0, 2],
  LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN: [0, 2], LOAD_ATTR_PROPERTY: [0, 2],
  CALL_TYPE_1: [1], CALL_STR_1: [1], CALL_TUPLE_1: [1], CALL_LEN: [1], CALL_LIST_APPEND: [1],
  UNPACK_SEQUENCE_TWO_TUPLE: [2],
};

function evalSize(expr, oparg) {
  if (expr === null) return 1;
  if (!/^[\w\s&|<>*+\-()]+$/.test(expr)) throw new Error(`bad size expr ${expr}`);
  // eslint-disable-next-line no-new-func
  return Function("oparg", `return (${expr});`)(oparg);
}

export function macroStackEffect(facts, name, oparg) {
  let eff = 0;
  for (const p of facts.macros[name].parts) {
    if (!p.uop) continue;
    const u = facts.uops[p.uop];
    const size = (s) => { const m = /^\w+(?:\[(.*)\])?$/.exec(s); return evalSize(m[1] ?? null, oparg); };
    eff += u.outputs.reduce((a, s) => a + size(s), 0) - u.inputs.reduce((a, s) => a + size(s), 0);
  }
  return eff;
}

async function pyodideFacts() {
  const { loadPyodide } = await import("pyodide");
  const py = await loadPyodide();
  const json = py.runPython(`
import json, sys, opcode, dis, _opcode, _opcode_metadata as m
ops = dict(m.opmap); ops.update(m._specialized_opmap)
def se(op, arg):
    try: return _opcode.stack_effect(op, arg)
    except Exception: return None
effects = {n: [se(o, a) for a in range(0, 12)] for n, o in m.opmap.items() if o < 256}
# initial cache contents of freshly compiled code (adaptive counters / branch history)
src = '''
def f(o, xs):
    for x in xs:
        if x:
            o.a = x + 1
    return len(xs)
'''
ns = {}; exec(src, ns); f = ns['f']
initial = {}
for ins in dis.get_instructions(f, show_caches=True, adaptive=True):
    if ins.cache_info:
        first = ins.cache_info[0]
        initial.setdefault(ins.opname, first[2].hex())
json.dumps({"version": sys.version.split()[0], "opmap": ops, "spec": m._specializations,
  "cacheEntries": opcode._inline_cache_entries, "cacheFormat": opcode._cache_format,
  "hasArg": [opcode.opname[o] for o in opcode.hasarg], "hasJump": [opcode.opname[o] for o in opcode.hasjump],
  "hasConst": [opcode.opname[o] for o in opcode.hasconst], "hasName": [opcode.opname[o] for o in opcode.hasname],
  "hasLocal": [opcode.opname[o] for o in opcode.haslocal], "hasFree": [opcode.opname[o] for o in opcode.hasfree],
  "effects": effects, "initialCaches": initial})
`);
  return { py, d: JSON.parse(json) };
}

async function runExamples(py, examples) {
  const results = [];
  for (const ex of examples) {
    py.globals.set("EX_SRC", ex.source);
    py.globals.set("EX_CALL", ex.call);
    py.globals.set("EX_N", ex.repeat ?? 3);
    const out = py.runPython(`
import dis
ns = {}
exec(EX_SRC, ns)
for _ in range(EX_N):
    exec(EX_CALL, ns)
names = [i.opname for i in dis.get_instructions(ns['f'], adaptive=True)]
' '.join(names)
`);
    results.push({ ex, names: out.split(" ") });
  }
  return results;
}

async function check(facts, notes) {
  const errors = [], info = [];
  const { py, d } = await pyodideFacts();
  if (!d.version.startsWith("3.14.")) errors.push(`pyodide is CPython ${d.version}, not 3.14`);
  info.push(`pyodide CPython ${d.version}`);

  // 1. families (bytecodes.c order, plus members that deopt to the base but are not listed) == _specializations
  for (const base of COVERED) {
    const real = d.spec[base] ?? [];
    const ours = [...(facts.families[base] ?? []), ...(facts.familyExtras?.[base] ?? [])];
    if (JSON.stringify(real) !== JSON.stringify(ours)) errors.push(`family ${base}: ours ${JSON.stringify(ours)} != real ${JSON.stringify(real)}`);
  }
  for (const base of Object.keys(facts.families)) if (!COVERED.includes(base)) errors.push(`family ${base} not covered`);

  // 2. every covered instruction and every form has a macro; names exist in the opcode map
  for (const base of COVERED) {
    for (const n of [base, ...(d.spec[base] ?? [])]) {
      if (!facts.macros[n]) errors.push(`missing macro ${n}`);
      if (!(n in d.opmap)) errors.push(`${n} not an opcode of 3.14`);
    }
  }

  // 3. cache units per macro == INLINE_CACHE_ENTRIES of the family; cache format total and counter position
  for (const [n, m] of Object.entries(facts.macros)) {
    const base = m.family ?? n;
    const want = d.cacheEntries[base] ?? 0;
    if (m.cacheUnits !== want) errors.push(`${n}: cache units ${m.cacheUnits} != INLINE_CACHE_ENTRIES[${base}] ${want}`);
    let sum = 0;
    for (const p of m.parts) sum += p.uop ? p.cache : p.unused ?? (p.rewind ? -p.rewind : 0);
    if (sum !== m.cacheUnits) errors.push(`${n}: parts sum ${sum} != cacheUnits ${m.cacheUnits}`);
    const fmt = d.cacheFormat[base];
    if (fmt) {
      const total = Object.values(fmt).reduce((a, b) => a + b, 0);
      if (total !== want) errors.push(`${base}: cache format total ${total} != ${want}`);
      // the first cache unit of a family with a counter is the counter: consumed by the specializing op
      // (base form) or skipped (forms)
      if (n === base && fmt.counter) {
        const first = m.parts.find((p) => p.uop ? p.cache > 0 : true);
        const u = first?.uop ? facts.uops[first.uop] : null;
        const ok = (u && u.cache[0]?.name === "counter" && (u.specializing || n === "JUMP_BACKWARD"))
          || (first && !first.uop && first.unused !== undefined && (n.startsWith("POP_JUMP_IF") || n === "JUMP_BACKWARD"));
        if (!ok) errors.push(`${n}: first cache unit is not the counter of a specializing op`);
      }
    }
  }

  // 4. tier-2 expansion (pycore_opcode_metadata.h) agrees with the macro: same uops once the tier-1-only
  //    ops are dropped, and each uop's first named cache entry at the same offset (the offsets of the
  //    tier-2 expansion do not count the cache of dropped tier-1-only ops, i.e. the specializing counter)
  const t2name = (u) => (facts.uops[u].kind === "inst" ? `_${u}` : u);
  for (const [n, m] of Object.entries(facts.macros)) {
    if (!m.tier2Expansion) continue;
    if (m.tier2Expansion.some((e) => e.size === "OPARG_TOP")) { info.push(`${n}: tier 2 splits it into ${m.tier2Expansion.map((e) => e.uop).join(" + ")}`); continue; }
    let off = 0; const offs = [];
    for (const p of m.parts) {
      if (p.uop) {
        const u = facts.uops[p.uop];
        if (u.tier2 === null && !u.replaced) continue;
        let lead = 0;
        for (const c of u.cache) { if (c.name !== "unused") break; lead += c.size; }
        offs.push({ uop: t2name(p.uop), off: off + lead });
        off += p.cache;
      } else if (p.rewind) off -= p.rewind;
      else if (p.unused !== undefined) off += p.unused;
    }
    const t2 = m.tier2Expansion.map((e) => e.uop);
    const dedup = t2.filter((u, i) => i === 0 || t2[i - 1] !== u || m.tier2Expansion[i].size !== "OPERAND1_1");
    const ours = offs.map((o) => o.uop);
    if (JSON.stringify(dedup) !== JSON.stringify(ours)) { errors.push(`${n}: tier-2 expansion ${dedup} != parts ${ours}`); continue; }
    let k = 0;
    for (const e of m.tier2Expansion) {
      if (e.size === "OPERAND1_1") continue;
      const o = offs[k++];
      if (o.off !== e.offset) errors.push(`${n}: ${e.uop} at cache offset ${o.off}, expansion says ${e.offset}`);
    }
  }

  // 5. argument/jump/const/name/local/free classes of base instructions agree with instruction flags
  const cls = { ARG: d.hasArg, JUMP: d.hasJump, CONST: d.hasConst, NAME: d.hasName, LOCAL: d.hasLocal, FREE: d.hasFree };
  for (const base of COVERED) {
    const fl = facts.macros[base]?.instFlags;
    if (!fl) { errors.push(`${base}: no instruction flags`); continue; }
    for (const [f, list] of Object.entries(cls)) {
      // dis puts LOAD_DEREF in hasfree although its metadata flag is LOCAL; FOR_ITER etc. are jumps
      if (f === "LOCAL" || f === "FREE") continue;
      if (list.includes(base) !== fl.includes(f)) errors.push(`${base}: flag ${f} ${fl.includes(f)} but dis says ${list.includes(base)}`);
    }
  }

  // 6. stack effects: base macro vs _opcode.stack_effect; every family member has the base's effect
  //    (except frame-pushing forms, reported as information)
  for (const base of COVERED) {
    if (!facts.macros[base] || !d.effects[base]) continue;
    for (let oparg = 0; oparg < 12; oparg++) {
      const real = d.effects[base][oparg];
      if (real === null || real === undefined) continue;
      const ours = macroStackEffect(facts, base, oparg);
      if (ours !== real) { errors.push(`${base} oparg=${oparg}: stack effect ours ${ours} real ${real}`); break; }
    }
    for (const form of d.spec[base] ?? []) {
      if (!facts.macros[form]) continue;
      const opargs = FORM_OPARGS[form] ?? [0, 1, 2, 3];
      const skips = facts.macros[form].parts.some((p) => p.uop && facts.uops[p.uop].body?.skipOver);
      for (const oparg of opargs) {
        const a = macroStackEffect(facts, base, oparg);
        const b = macroStackEffect(facts, form, oparg) + (skips ? 1 : 0);
        if (a !== b) {
          const pushesFrame = facts.macros[form].parts.some((p) => p.uop === "_PUSH_FRAME");
          (pushesFrame ? info : errors).push(`${form} oparg=${oparg}: net effect of its uops ${b} != ${base} ${a}${pushesFrame ? " (pushes a frame: the callee's result arrives on return)" : ""}`);
          break;
        }
      }
      if (skips) info.push(`${form}: also consumes the following instruction (SKIP_OVER), whose pop (-1) is counted in the comparison`);
    }
  }

  // 7. initial cache contents of fresh code (counters) agree with the recorded counter facts
  const c = facts.counters ?? {};
  for (const [op, hex] of Object.entries(d.initialCaches)) {
    const want = op === "JUMP_BACKWARD" ? c.jumpBackwardInitialHex : op.startsWith("POP_JUMP_IF") ? c.branchHistoryInitialHex : c.adaptiveWarmupHex;
    if (want && want !== hex) errors.push(`initial cache of ${op} is ${hex}, facts say ${want}`);
  }
  info.push(`initial first-cache-unit bytes seen: ${JSON.stringify(d.initialCaches)}`);

  // 7b. counter transitions observed step by step
  const tr = facts.counters?.trace;
  if (tr) {
    py.globals.set("TR_SRC", tr.source);
    py.runPython("TR_NS = {}\nexec(TR_SRC, TR_NS)");
    for (const st of tr.steps) {
      py.globals.set("TR_CALL", st.call);
      const got = JSON.parse(py.runPython(`
import dis, json
exec(TR_CALL, TR_NS)
_fn = TR_NS[TR_CALL.split('(')[0]]
json.dumps([[i.opname, i.cache_info[0][2].hex()] for i in dis.get_instructions(_fn, show_caches=True, adaptive=True) if i.cache_info])
`));
      if (JSON.stringify(got) !== JSON.stringify(st.expect)) errors.push(`counter trace after ${st.call}: got ${JSON.stringify(got)} expected ${JSON.stringify(st.expect)}`);
    }
    info.push(`${tr.steps.length} counter-trace steps checked`);
  }

  // 8. specialize notes: every form named exists; examples specialize as claimed
  for (const [base, fam] of Object.entries(notes.families ?? {})) {
    if (!d.spec[base]) errors.push(`specialize notes: ${base} has no family`);
    for (const f of Object.keys(fam.forms ?? {})) if (!(d.spec[base] ?? []).includes(f)) errors.push(`specialize notes: ${f} not in family ${base}`);
  }
  const results = await runExamples(py, notes.examples ?? []);
  for (const { ex, names } of results) {
    for (const want of ex.expect) if (!names.includes(want)) errors.push(`example ${ex.name}: expected ${want} in ${names.join(" ")}`);
    for (const bad of ex.expectAbsent ?? []) if (names.includes(bad)) errors.push(`example ${ex.name}: did not expect ${bad}`);
  }
  info.push(`${results.length} specialization examples run`);

  const uopCount = Object.keys(facts.uops).length, macroCount = Object.keys(facts.macros).length;
  info.push(`${macroCount} macros, ${uopCount} uops, ${Object.keys(facts.families).length} families`);
  return { errors, info };
}

// ---------------------------------------------------------------------------------------------------

// One line per macro / uop / family / note, so that diffs stay readable.
function serialize(facts) {
  const out = ["{"];
  const keys = Object.keys(facts);
  keys.forEach((k, i) => {
    const v = facts[k];
    const last = i === keys.length - 1 ? "" : ",";
    if (Array.isArray(v)) {
      out.push(`  ${JSON.stringify(k)}: [`);
      v.forEach((x, j) => out.push(`    ${JSON.stringify(x)}${j === v.length - 1 ? "" : ","}`));
      out.push(`  ]${last}`);
    } else if (v && typeof v === "object") {
      out.push(`  ${JSON.stringify(k)}: {`);
      const ks = Object.keys(v);
      ks.forEach((kk, j) => out.push(`    ${JSON.stringify(kk)}: ${JSON.stringify(v[kk])}${j === ks.length - 1 ? "" : ","}`));
      out.push(`  }${last}`);
    } else out.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)}${last}`);
  });
  out.push("}");
  return out.join("\n") + "\n";
}

const args = process.argv.slice(2);
if (args[0] === "--from-cache") {
  const dir = args[1] ?? "/tmp/cpy314";
  if (!existsSync(`${dir}/skel.c`)) { console.error(`no cache at ${dir}`); process.exit(2); }
  const old = existsSync(FACTS) ? JSON.parse(readFileSync(FACTS, "utf8")) : null;
  const { facts, problems } = buildFacts(dir, old);
  for (const p of problems) console.log(`extract: ${p}`);
  writeFileSync(FACTS, serialize(facts));
  console.log(`wrote ${FACTS.pathname}`);
}
const facts = JSON.parse(readFileSync(FACTS, "utf8"));
const notes = existsSync(SPEC_NOTES) ? JSON.parse(readFileSync(SPEC_NOTES, "utf8")) : {};
const { errors, info } = await check(facts, notes);
for (const i of info) console.log(`info: ${i}`);
for (const e of errors) console.log(`MISMATCH: ${e}`);
console.log(`${errors.length === 0 ? "OK" : "FAILED"}: ${errors.length} mismatches`);
process.exit(errors.length === 0 ? 0 : 1);
