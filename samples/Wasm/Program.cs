using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Spec;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Samples.Wasm;

/// <summary>
/// The command line: <c>run FILE.wasm --invoke EXPORT [ARGS...] [--engine jit|wasmtime|interp] [--stats]</c>,
/// <c>spec FILE.wast...</c>, <c>disasm FILE.wasm</c>, <c>bench [--quick]</c>.
/// </summary>
public static class Program
{
    private const string Usage =
        "usage: Wasm run FILE.wasm --invoke EXPORT [ARGS...] [--engine jit|wasmtime|interp] [--stats]\n" +
        "       Wasm spec FILE.wast... [-v] [--engine jit|interp]\n" +
        "       Wasm disasm FILE.wasm\n" +
        "       Wasm bench [--quick]";

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0) { Console.Error.WriteLine(Usage); return 2; }
            return args[0] switch
            {
                "run" => WasmRuntime.RunOnLargeStack(() => Run(args[1..])),
                "spec" => WasmRuntime.RunOnLargeStack(() => Spec(args[1..])),
                "disasm" when args.Length == 2 => Disasm(args[1]),
                "bench" => Bench.BenchRunner.Run(args[1..]),
                _ => Fail(Usage),
            };
        }
        catch (WasmException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (TrapException e)
        {
            Console.Error.WriteLine($"trap: {e.Message}");
            return 3;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private static int Run(string[] args)
    {
        string? file = null, export = null, engineName = "jit";
        bool stats = false;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--invoke" when i + 1 < args.Length: export = args[++i]; break;
                case "--engine" when i + 1 < args.Length: engineName = args[++i]; break;
                case "--stats": stats = true; break;
                default:
                    if (file is null) file = args[i];
                    else rest.Add(args[i]);
                    break;
            }
        }
        if (file is null || export is null) return Fail(Usage);
        var engine = Engine.Create(engineName) ?? throw new InvalidOperationException($"unknown engine '{engineName}' (jit, wasmtime, interp)");
        var bytes = File.ReadAllBytes(file);
        long t0 = Stopwatch.GetTimestamp();
        using var loaded = engine.Load(bytes);
        double compile = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var type = loaded.TypeOf(export);
        if (rest.Count != type.Params.Length) throw new InvalidOperationException($"{export} takes {type.Params.Length} arguments, got {rest.Count}");
        var a = new long[rest.Count];
        for (int i = 0; i < a.Length; i++) a[i] = ParseValue(type.Params[i], rest[i]);
        long t1 = Stopwatch.GetTimestamp();
        var results = loaded.Invoke(export, a);
        double run = Stopwatch.GetElapsedTime(t1).TotalSeconds;
        for (int i = 0; i < results.Length; i++) Console.WriteLine(FormatValue(type.Results[i], results[i]));
        if (stats) Console.Error.WriteLine($"engine {engine.Name}: compile {compile * 1000:F3} ms (load: decode, validate, compile, instantiate; compilation alone {loaded.CompileSeconds * 1000:F3} ms), run {run * 1000:F3} ms");
        return 0;
    }

    /// <summary>Prints the JIT's code for every function of a module without imports, stencil by stencil.</summary>
    private static int Disasm(string file)
    {
        var module = ModuleDecoder.Decode(File.ReadAllBytes(file));
        Validator.Validate(module);
        using var store = new Store();
        var instance = new JitEngine(disassemblable: true).Instantiate(store, module, (_, _) => null);
        Console.Write(((Jit.JitCode?)instance.Code)?.Disassemble() ?? "");
        return 0;
    }

    /// <summary>Parses a command-line argument of type <paramref name="t"/> into its bits.</summary>
    public static long ParseValue(ValType t, string s) => t switch
    {
        ValType.I32 => s.StartsWith('-') ? int.Parse(s, CultureInfo.InvariantCulture) : (int)uint.Parse(s, CultureInfo.InvariantCulture),
        ValType.I64 => s.StartsWith('-') ? long.Parse(s, CultureInfo.InvariantCulture) : (long)ulong.Parse(s, CultureInfo.InvariantCulture),
        ValType.F32 => BitConverter.SingleToInt32Bits(float.Parse(s, CultureInfo.InvariantCulture)),
        ValType.F64 => BitConverter.DoubleToInt64Bits(double.Parse(s, CultureInfo.InvariantCulture)),
        _ => s == "null" ? 0 : long.Parse(s, CultureInfo.InvariantCulture) + 1,
    };

    /// <summary>Formats a result: integers as signed decimal, floats round-trippable.</summary>
    public static string FormatValue(ValType t, long bits) => t switch
    {
        ValType.I32 => ((int)bits).ToString(CultureInfo.InvariantCulture),
        ValType.I64 => bits.ToString(CultureInfo.InvariantCulture),
        ValType.F32 => BitConverter.Int32BitsToSingle((int)bits).ToString("R", CultureInfo.InvariantCulture),
        ValType.F64 => BitConverter.Int64BitsToDouble(bits).ToString("R", CultureInfo.InvariantCulture),
        _ => bits == 0 ? "null" : $"ref:0x{bits:x}",
    };

    private static int Spec(string[] args)
    {
        bool verbose = Array.IndexOf(args, "-v") >= 0;
        InstanceEngine engine = new JitEngine();
        int e = Array.IndexOf(args, "--engine");
        if (e >= 0 && e + 1 < args.Length)
        {
            engine = Engine.Create(args[e + 1]) as InstanceEngine ?? throw new InvalidOperationException("spec runs on jit or interp");
            args = [.. args[..e], .. args[(e + 2)..]];
        }
        var total = new SpecResult("total", 0, 0, 0);
        foreach (var file in args)
        {
            if (file == "-v") continue;
            var log = new StringWriter();
            var r = new WastRunner(engine, log).Run(file);
            Console.WriteLine(r);
            if (verbose) Console.Write(log);
            total += r;
        }
        Console.WriteLine($"{total.Passed} passed, {total.Failed} failed, {total.Skipped} skipped");
        return total.Failed == 0 ? 0 : 1;
    }
}
