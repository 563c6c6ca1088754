using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Runtime;
using Patchouly.Samples.Calc;

// calc "<expression>" [name=value ...] [--disasm] [--engine native|managed|interpreter]
// Compiles the expression to native code with Patchouly and runs it (or, with --engine managed, the same program as
// .NET code: each stencil a call of its C# method). With no arguments, runs a built-in example.
var arguments = args.ToList();
bool disassemble = arguments.Remove("--disasm");
ExecutionEngine? engine = null;
int engineAt = arguments.IndexOf("--engine");
if (engineAt >= 0)
{
    if (engineAt + 1 >= arguments.Count || !Enum.TryParse(arguments[engineAt + 1], ignoreCase: true, out ExecutionEngine parsed) || !Enum.IsDefined(parsed))
    {
        Console.Error.WriteLine("error: --engine takes native, managed or interpreter");
        return 2;
    }
    engine = parsed;
    arguments.RemoveRange(engineAt, 2);
}
bool builtin = arguments.Count == 0;
if (builtin)
{
    arguments = ["(x + 3) * y - 7 * (y % 4) / (x - 2)", "x=4", "y=5"];
    disassemble = true;
}

string text = arguments[0];
var values = new Dictionary<string, long>(StringComparer.Ordinal);
foreach (var a in arguments.Skip(1))
{
    int eq = a.IndexOf('=');
    if (eq <= 0 || !long.TryParse(a.AsSpan(eq + 1), out long value))
    {
        Console.Error.WriteLine($"error: '{a}' is not of the form name=integer");
        return 2;
    }
    values[a[..eq]] = value;
}

Expression expression;
try
{
    expression = Parser.Parse(text);
}
catch (SyntaxException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

using var compiled = CalcCompiler.Compile(expression, engine: engine);
if (builtin) Console.WriteLine($"expression: {text}   with {string.Join(", ", values.Select(kv => $"{kv.Key}={kv.Value}"))}");
if (disassemble)
{
    Console.WriteLine(compiled.Function.Engine == ExecutionEngine.Native
        ? $"compiled to {compiled.Function.Code.Length} bytes of native code:"
        : $"compiled by the {compiled.Function.Engine.ToString().ToLowerInvariant()} engine ({compiled.Function.EngineReason}):");
    Console.WriteLine(compiled.Function.Disassemble());
}
try
{
    long result = compiled.Evaluate(values);
    Console.WriteLine(builtin ? $"result: {result}" : result.ToString());
    return 0;
}
catch (Exception e) when (e is DivideByZeroException or OverflowException or KeyNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
