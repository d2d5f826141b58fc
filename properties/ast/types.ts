/**
 * The program IR of tierdiff's generators (Fuzzilli-style: IR, builder, minimizer as separate
 * parts): a small Python-subset AST. Generated ASTs are lowered by tierdiff's own code generator
 * (properties/ast/codegen.ts) to CPython-3.14-shaped bytecode the verifier accepts, and printed as
 * Python source (properties/ast/source.ts) for humans and for the CPython oracle.
 *
 * Plain JSON-able data (no classes, no functions) so cases can be saved in the corpus, printed,
 * and shrunk by fast-check structurally. Ints are numbers (safe range) or decimal strings
 * (`{ k: "int", v: "123456789012345678901234" }`) for big ints.
 */
export type BinOp = "+" | "-" | "*" | "//" | "%" | "/" | "**" | "<<" | ">>" | "&" | "|" | "^";
export type CmpOp = "<" | "<=" | "==" | "!=" | ">" | ">=" | "is" | "is not" | "in" | "not in";

export type Expr =
  | { readonly k: "int"; readonly v: number | string }
  | { readonly k: "float"; readonly v: number }
  | { readonly k: "str"; readonly v: string }
  | { readonly k: "bool"; readonly v: boolean }
  | { readonly k: "none" }
  | { readonly k: "name"; readonly id: string }
  | { readonly k: "bin"; readonly op: BinOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: "cmp"; readonly op: CmpOp; readonly l: Expr; readonly r: Expr }
  /** `a and b` / `a or b` (short-circuit) */
  | { readonly k: "boolop"; readonly op: "and" | "or"; readonly l: Expr; readonly r: Expr }
  | { readonly k: "not"; readonly e: Expr }
  | { readonly k: "neg"; readonly e: Expr }
  | { readonly k: "invert"; readonly e: Expr }
  | { readonly k: "call"; readonly f: Expr; readonly args: readonly Expr[]; readonly kw?: readonly (readonly [string, Expr])[] }
  | { readonly k: "attr"; readonly obj: Expr; readonly name: string }
  | { readonly k: "sub"; readonly obj: Expr; readonly idx: Expr }
  | { readonly k: "slice"; readonly obj: Expr; readonly lo?: Expr; readonly hi?: Expr }
  | { readonly k: "list"; readonly items: readonly Expr[] }
  | { readonly k: "tuple"; readonly items: readonly Expr[] }
  | { readonly k: "dict"; readonly items: readonly (readonly [Expr, Expr])[] }
  | { readonly k: "ifexp"; readonly c: Expr; readonly a: Expr; readonly b: Expr }
  | { readonly k: "lambda"; readonly params: readonly string[]; readonly body: Expr }
  /** f-string: literal parts and `{expr!conv:spec}` parts */
  | { readonly k: "fstr"; readonly parts: readonly (string | { readonly e: Expr; readonly conv?: "r" | "s"; readonly spec?: string })[] }
  /** `[elt for v in iter if cond]` (3.14: inlined, no function) */
  | { readonly k: "listcomp"; readonly elt: Expr; readonly v: string; readonly iter: Expr; readonly cond?: Expr };

/** Assignment targets. */
export type Target =
  | { readonly k: "name"; readonly id: string }
  | { readonly k: "attr"; readonly obj: Expr; readonly name: string }
  | { readonly k: "sub"; readonly obj: Expr; readonly idx: Expr }
  | { readonly k: "tuple"; readonly items: readonly Target[] };

export interface Handler {
  /** exception class name (a builtin like "ValueError" or a class of the program); undefined = bare `except:` */
  readonly type?: string;
  /** `except T as name:` */
  readonly name?: string;
  readonly body: readonly Stmt[];
}

export interface Param {
  readonly name: string;
  /** default value (an expression evaluated at definition time) */
  readonly default?: Expr;
}

export type Stmt =
  | { readonly k: "assign"; readonly target: Target; readonly value: Expr }
  | { readonly k: "augassign"; readonly target: Target; readonly op: BinOp; readonly value: Expr }
  | { readonly k: "expr"; readonly e: Expr }
  | { readonly k: "if"; readonly c: Expr; readonly body: readonly Stmt[]; readonly orelse: readonly Stmt[] }
  /** `while c:` — generators only emit bounded loops (a counter compared to a constant) */
  | { readonly k: "while"; readonly c: Expr; readonly body: readonly Stmt[] }
  | { readonly k: "for"; readonly v: Target; readonly iter: Expr; readonly body: readonly Stmt[] }
  | { readonly k: "break" }
  | { readonly k: "continue" }
  | { readonly k: "return"; readonly e?: Expr }
  | { readonly k: "pass" }
  | { readonly k: "def"; readonly name: string; readonly params: readonly Param[]; readonly body: readonly Stmt[] }
  | { readonly k: "class"; readonly name: string; readonly base?: string; readonly body: readonly Stmt[] }
  | { readonly k: "try"; readonly body: readonly Stmt[]; readonly handlers: readonly Handler[]; readonly orelse?: readonly Stmt[]; readonly final?: readonly Stmt[] }
  | { readonly k: "raise"; readonly e?: Expr }
  | { readonly k: "global"; readonly names: readonly string[] }
  | { readonly k: "nonlocal"; readonly names: readonly string[] }
  | { readonly k: "del"; readonly target: Target }
  /** `import m` of another module of the program */
  | { readonly k: "import"; readonly module: string };

export interface ModuleAst {
  /** module name: the first module is the entry point (run as __main__) */
  readonly name: string;
  readonly body: readonly Stmt[];
}

export interface ProgramAst {
  readonly modules: readonly ModuleAst[];
}
