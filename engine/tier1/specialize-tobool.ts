/**
 * TO_BOOL's specializer (Python/specialize.c _Py_Specialize_ToBool, CPython 3.14), with the failure
 * kinds of to_bool_fail_kind (CPython's SPEC_FAIL_* names without the prefix).
 */
import "../uops/tobool.ts";
import { isExactInt, isExactList, isExactStr, isExactDict, isExactFloat, isExactTuple } from "../uops/binary.ts";
import { PyNoneType, type PyType } from "../runtime/objects.ts";
import { typeOf } from "../runtime/types.ts";
import { typeVersion } from "./versions.ts";
import { registerSpecializer, type SpecializeContext, type SpecializeResult } from "./specializer.ts";

function specializeToBool(s: SpecializeContext): SpecializeResult {
  const v = s.peek(1);
  if (v === null) return { fail: "OTHER" };
  if (typeof v === "boolean") return { form: "TO_BOOL_BOOL" };
  if (isExactInt(v)) return { form: "TO_BOOL_INT" };
  if (isExactList(v)) return { form: "TO_BOOL_LIST" };
  if (v instanceof PyNoneType) return { form: "TO_BOOL_NONE" };
  if (isExactStr(v)) return { form: "TO_BOOL_STR" };
  const t = typeOf(v);
  if (!t.builtin) {
    // a heap type (a class defined in Python): _PyType_Validate(type, check_type_always_true)
    const why = checkTypeAlwaysTrue(t);
    if (why !== null) return { fail: why };
    const version = typeVersion(s.rt, t);
    if (version === 0) return { fail: "OUT_OF_VERSIONS" };
    s.setCache("version", version);
    return { form: "TO_BOOL_ALWAYS_TRUE" };
  }
  if (isExactDict(v)) return { fail: "TO_BOOL_DICT" };
  if (isExactFloat(v)) return { fail: "TO_BOOL_FLOAT" };
  if (isExactTuple(v)) return { fail: "TO_BOOL_TUPLE" };
  return { fail: "OTHER" };
}

/**
 * check_type_always_true: no nb_bool, mp_length or sq_length slot. A class gets nb_bool from
 * __bool__ and both length slots from __len__ (mp_length is tested first); the subset rejects
 * classes that define either, so in practice every Python class passes.
 */
function checkTypeAlwaysTrue(t: PyType): string | null {
  if (t.lookup("__bool__") !== undefined) return "TO_BOOL_NUMBER";
  if (t.lookup("__len__") !== undefined) return "TO_BOOL_MAPPING";
  return null;
}

registerSpecializer("TO_BOOL", specializeToBool);
