using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Samples.Calc;

// calc "<expression>" [name=value ...] [--disasm]
// Compiles the expression to native code with Patchouly and runs it. With no arguments, runs a built-in example.
var arguments = args.ToList();
bool disassemble = arguments.Remove("--disasm");
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

using var compiled = CalcCompiler.Compile(expression);
if (builtin) Console.WriteLine($"expression: {text}   with {string.Join(", ", values.Select(kv => $"{kv.Key}={kv.Value}"))}");
if (disassemble)
{
    Console.WriteLine($"compiled to {compiled.Function.Code.Length} bytes of native code:");
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
