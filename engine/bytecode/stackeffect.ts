/**
 * Stack effects of the supported instructions, as CPython 3.14 defines them.
 *
 * The numbers come from the `(inputs -- outputs)` stack comments of each instruction in
 * Python/bytecodes.c (summarised by the generated Include/internal/pycore_opcode_metadata.h,
 * `_PyOpcode_num_popped` / `_PyOpcode_num_pushed`), which is what `_opcode.stack_effect`
 * reports: stack_effect = pushed - popped. The verifier also needs the number of inputs
 * (`stackInputs`), because a net effect alone cannot detect an underflow: UNPACK_SEQUENCE 3
 * has effect +2 but still needs one value on the stack.
 *
 * `jump` selects the effect along the taken edge of a jump. In 3.14 it never differs for the
 * supported instructions: FOR_ITER's exhausted edge goes to the END_FOR that pops the pushed
 * slot, so its jump effect is +1, like the fall-through (the compiler's model, Python/flowgraph.c
 * `stackdepth`; the interpreters skip that END_FOR at run time). The table test checks every
 * sample of stack-effect-samples.generated.json (real `_opcode.stack_effect`) against this file.
 */
import { BASE_OF } from "./opcodes.ts";
import { SUPPORTED_OPCODES } from "./subset.ts";

/** [popped, pushed] for one instruction given its oparg. */
type Io = (oparg: number) => readonly [number, number];

const fixed = (popped: number, pushed: number): Io => () => [popped, pushed];

/** Python/bytecodes.c, 3.14: `inst(NAME, (inputs -- outputs))` for every supported base instruction. */
const IO: Readonly<Record<string, Io>> = {
  // frame entry, no-ops
  RESUME: fixed(0, 0),
  NOP: fixed(0, 0),
  NOT_TAKEN: fixed(0, 0),
  EXTENDED_ARG: fixed(0, 0),
  CACHE: fixed(0, 0),
  // locals
  LOAD_FAST: fixed(0, 1),
  LOAD_FAST_BORROW: fixed(0, 1),
  LOAD_FAST_CHECK: fixed(0, 1),
  LOAD_FAST_AND_CLEAR: fixed(0, 1),
  LOAD_FAST_LOAD_FAST: fixed(0, 2),
  LOAD_FAST_BORROW_LOAD_FAST_BORROW: fixed(0, 2),
  STORE_FAST: fixed(1, 0),
  STORE_FAST_LOAD_FAST: fixed(1, 1),
  STORE_FAST_STORE_FAST: fixed(2, 0),
  DELETE_FAST: fixed(0, 0),
  // constants
  LOAD_CONST: fixed(0, 1),
  LOAD_SMALL_INT: fixed(0, 1),
  LOAD_COMMON_CONSTANT: fixed(0, 1),
  // globals / names
  LOAD_GLOBAL: (a) => [0, 1 + (a & 1)], // (-- res, null if (oparg & 1))
  STORE_GLOBAL: fixed(1, 0),
  DELETE_GLOBAL: fixed(0, 0),
  LOAD_NAME: fixed(0, 1),
  STORE_NAME: fixed(1, 0),
  DELETE_NAME: fixed(0, 0),
  LOAD_LOCALS: fixed(0, 1),
  LOAD_FROM_DICT_OR_DEREF: fixed(1, 1),
  LOAD_BUILD_CLASS: fixed(0, 1),
  // attributes
  LOAD_ATTR: (a) => [1, 1 + (a & 1)], // (owner -- attr, self_or_null if (oparg & 1))
  STORE_ATTR: fixed(2, 0),
  DELETE_ATTR: fixed(1, 0),
  // operators
  BINARY_OP: fixed(2, 1),
  STORE_SUBSCR: fixed(3, 0),
  DELETE_SUBSCR: fixed(2, 0),
  BINARY_SLICE: fixed(3, 1),
  STORE_SLICE: fixed(4, 0),
  BUILD_SLICE: (a) => [a, 1], // (args[oparg] -- slice)
  COMPARE_OP: fixed(2, 1),
  IS_OP: fixed(2, 1),
  CONTAINS_OP: fixed(2, 1),
  UNARY_NEGATIVE: fixed(1, 1),
  UNARY_INVERT: fixed(1, 1),
  UNARY_NOT: fixed(1, 1),
  TO_BOOL: fixed(1, 1),
  // control flow
  POP_JUMP_IF_FALSE: fixed(1, 0),
  POP_JUMP_IF_TRUE: fixed(1, 0),
  POP_JUMP_IF_NONE: fixed(1, 0),
  POP_JUMP_IF_NOT_NONE: fixed(1, 0),
  JUMP_FORWARD: fixed(0, 0),
  JUMP_BACKWARD: fixed(0, 0),
  JUMP_BACKWARD_NO_INTERRUPT: fixed(0, 0),
  GET_ITER: fixed(1, 1),
  FOR_ITER: fixed(1, 2), // (iter -- iter, next)
  END_FOR: fixed(1, 0),
  POP_ITER: fixed(1, 0),
  // stack
  POP_TOP: fixed(1, 0),
  PUSH_NULL: fixed(0, 1),
  COPY: (a) => [a, a + 1], // (bottom, unused[oparg-1] -- bottom, unused[oparg-1], top)
  SWAP: (a) => [a, a], // (bottom, unused[oparg-2], top -- top, unused[oparg-2], bottom)
  // calls and functions
  CALL: (a) => [2 + a, 1], // (callable, self_or_null, args[oparg] -- res)
  CALL_KW: (a) => [3 + a, 1], // (callable, self_or_null, args[oparg], kwnames -- res)
  RETURN_VALUE: fixed(1, 1), // (retval -- res): 3.14 models the caller's push
  MAKE_FUNCTION: fixed(1, 1),
  SET_FUNCTION_ATTRIBUTE: fixed(2, 1),
  MAKE_CELL: fixed(0, 0),
  LOAD_DEREF: fixed(0, 1),
  STORE_DEREF: fixed(1, 0),
  DELETE_DEREF: fixed(0, 0),
  COPY_FREE_VARS: fixed(0, 0),
  // containers and strings
  BUILD_TUPLE: (a) => [a, 1],
  BUILD_LIST: (a) => [a, 1],
  BUILD_MAP: (a) => [2 * a, 1],
  LIST_APPEND: (a) => [a + 1, a], // (list, unused[oparg-1], v -- list, unused[oparg-1])
  LIST_EXTEND: (a) => [a + 1, a],
  DICT_UPDATE: (a) => [a + 1, a],
  MAP_ADD: (a) => [a + 2, a], // (dict, unused[oparg-1], key, value -- dict, unused[oparg-1])
  UNPACK_SEQUENCE: (a) => [1, a],
  FORMAT_SIMPLE: fixed(1, 1),
  FORMAT_WITH_SPEC: fixed(2, 1),
  CONVERT_VALUE: fixed(1, 1),
  BUILD_STRING: (a) => [a, 1],
  // exceptions
  RAISE_VARARGS: (a) => [a, 0],
  PUSH_EXC_INFO: fixed(1, 2),
  POP_EXCEPT: fixed(1, 0),
  CHECK_EXC_MATCH: fixed(2, 2),
  RERAISE: (a) => [a + 1, a], // (values[oparg], exc -- values[oparg])
  // modules
  IMPORT_NAME: fixed(2, 1),
  IMPORT_FROM: fixed(1, 2),
};

/** IO function by instruction name (specialized names included), filled on first use: the
 *  verifier asks several times per instruction of every generated program. */
const ioByName = new Map<string, Io>();

function io(name: string, oparg: number): readonly [number, number] {
  let f = ioByName.get(name);
  if (f === undefined) {
    const base = BASE_OF[name] ?? name;
    f = SUPPORTED_OPCODES.has(base) ? IO[base] : undefined;
    if (f === undefined) throw new Error(`stackEffect: unsupported opcode ${name}`);
    ioByName.set(name, f);
  }
  return f(oparg);
}

/**
 * Net stack effect, identical to CPython 3.14's `_opcode.stack_effect(op, oparg, jump=jump)`
 * for every supported instruction (specialized names use their base form's effect).
 * Throws a plain Error for an opcode outside SUPPORTED_OPCODES (callers check first).
 */
export function stackEffect(name: string, oparg: number, jump: boolean): number {
  void jump; // identical on both edges for every supported instruction in 3.14 (see header)
  const [popped, pushed] = io(name, oparg);
  return pushed - popped;
}

/** Number of stack values an instruction reads/pops (`_PyOpcode_num_popped`); depth must be >= this. */
export function stackInputs(name: string, oparg: number): number {
  return io(name, oparg)[0];
}

/** Number of stack values an instruction leaves/pushes (`_PyOpcode_num_pushed`). */
export function stackOutputs(name: string, oparg: number): number {
  return io(name, oparg)[1];
}
