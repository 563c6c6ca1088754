using System;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Samples.Wasm.Engines;

/// <summary>Wasmtime (Cranelift), in process, through its NuGet package. Compilation is Wasmtime's own; our decoder gives the exports' types.</summary>
public sealed class WasmtimeEngine : Engine
{
    /// <inheritdoc />
    public override string Name => "wasmtime";

    /// <inheritdoc />
    public override ILoadedModule Load(byte[] bytes)
    {
        var m = ModuleDecoder.Decode(bytes);
        Validator.Validate(m);
        var engine = new Wasmtime.Engine();
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var module = Wasmtime.Module.FromBytes(engine, "module", bytes);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var store = new Wasmtime.Store(engine);
        var linker = new Wasmtime.Linker(engine);
        var instance = linker.Instantiate(store, module);
        return new Loaded(m, engine, store, linker, module, instance, seconds);
    }

    private sealed class Loaded(WasmModule m, Wasmtime.Engine engine, Wasmtime.Store store, Wasmtime.Linker linker, Wasmtime.Module module, Wasmtime.Instance instance, double seconds) : ILoadedModule
    {
        public double CompileSeconds => seconds;

        public FuncType TypeOf(string export) => ExportType(m, export);

        public long[] Invoke(string export, long[] arguments)
        {
            var type = TypeOf(export);
            var f = instance.GetFunction(export) ?? throw new System.Collections.Generic.KeyNotFoundException(export);
            var args = new Wasmtime.ValueBox[arguments.Length];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = type.Params[i] switch
                {
                    ValType.I32 => (Wasmtime.ValueBox)(int)arguments[i],
                    ValType.I64 => (Wasmtime.ValueBox)arguments[i],
                    ValType.F32 => (Wasmtime.ValueBox)BitConverter.Int32BitsToSingle((int)arguments[i]),
                    ValType.F64 => (Wasmtime.ValueBox)BitConverter.Int64BitsToDouble(arguments[i]),
                    _ => throw new NotSupportedException("reference arguments are not supported by the wasmtime engine"),
                };
            }
            object? r;
            try { r = f.Invoke(args); }
            catch (Wasmtime.TrapException e) { throw new TrapException(Kind(e.Message), e); }
            if (type.Results.Length == 0) return [];
            var values = type.Results.Length == 1 ? [r] : (object?[])r!;
            var result = new long[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                result[i] = values[i] switch
                {
                    int v => v,
                    long v => v,
                    float v => (uint)BitConverter.SingleToInt32Bits(v),
                    double v => BitConverter.DoubleToInt64Bits(v),
                    null => 0,
                    _ => throw new NotSupportedException($"result of type {values[i]!.GetType().Name}"),
                };
            }
            return result;
        }

        private static TrapKind Kind(string message)
        {
            foreach (TrapKind k in Enum.GetValues<TrapKind>())
                if (k != TrapKind.None && message.Contains(TrapException.Describe(k), StringComparison.OrdinalIgnoreCase)) return k;
            if (message.Contains("stack overflow", StringComparison.OrdinalIgnoreCase)) return TrapKind.CallStackExhausted;
            return TrapKind.HostError;
        }

        public void Dispose()
        {
            store.Dispose();
            linker.Dispose();
            module.Dispose();
            engine.Dispose();
        }
    }
}
