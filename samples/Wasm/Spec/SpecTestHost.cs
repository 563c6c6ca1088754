using System;
using System.Collections.Generic;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Spec;

/// <summary>The standard <c>spectest</c> host module the spec scripts import from.</summary>
public static class SpecTestHost
{
    /// <summary>A fresh <c>spectest</c> module's exports, in <paramref name="store"/>.</summary>
    public static Dictionary<string, object> Create(Store store)
    {
        Function Print(params ValType[] ps) => Function.FromHost(store, new FuncType(ps, []), (_, _) => { });
        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["print"] = Print(),
            ["print_i32"] = Print(ValType.I32),
            ["print_i64"] = Print(ValType.I64),
            ["print_f32"] = Print(ValType.F32),
            ["print_f64"] = Print(ValType.F64),
            ["print_i32_f32"] = Print(ValType.I32, ValType.F32),
            ["print_f64_f64"] = Print(ValType.F64, ValType.F64),
            ["global_i32"] = new GlobalCell(store, new GlobalType(ValType.I32, false), 666),
            ["global_i64"] = new GlobalCell(store, new GlobalType(ValType.I64, false), 666),
            ["global_f32"] = new GlobalCell(store, new GlobalType(ValType.F32, false), BitConverter.SingleToInt32Bits(666.6f)),
            ["global_f64"] = new GlobalCell(store, new GlobalType(ValType.F64, false), BitConverter.DoubleToInt64Bits(666.6)),
            ["table"] = new Table(store, new TableType(ValType.FuncRef, new Limits(10, 20))),
            ["memory"] = new Memory(store, new Limits(1, 2)),
        };
    }
}
