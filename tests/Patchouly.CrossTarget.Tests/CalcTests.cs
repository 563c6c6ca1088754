using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Patchouly.Runtime.Tables;
using Patchouly.Samples.Calc;

namespace Patchouly.CrossTarget.Tests;

/// <summary>The Calc sample's JIT (its own stencil tables for this process's target) against its tree-walking interpreter.</summary>
public class CalcTests
{
    public static IEnumerable<object?[]> Examples() => RunnableTables.Cross(
    [
        ["(x+3)*y-7", 28L],
        ["1+2*3", 7L],
        ["-(4-10)%4", 2L],
        ["9223372036854775807+1", long.MinValue],
        ["x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x", 4294967296L],
        ["((((((((1+2)+3)+4)+5)+6)+7)+8)+9)*(y-(x-(y-(x-(y-x)))))", 45L * 3],
        ["(x-y)/(y-x)*1000000007%97", -(1000000007L % 97)],
    ]);

    public static IEnumerable<object?[]> ErrorCases() => RunnableTables.Cross(
    [
        ["x/(y-5)", typeof(DivideByZeroException)],
        ["x%(y-5)", typeof(DivideByZeroException)],
        ["m/n", typeof(OverflowException)],
        ["m%n", typeof(OverflowException)],
    ]);

    private static StencilLibrary Library(string target) => RunnableTables.Of(CalcStencils.Library, target);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Computes_examples(string target, string text, long expected)
    {
        var vars = new Dictionary<string, long> { ["x"] = 4, ["y"] = 5 };
        using var compiled = CalcCompiler.Compile(Parser.Parse(text), Library(target));
        Assert.Equal(expected, Interpreter.Evaluate(Parser.Parse(text), vars));
        Assert.Equal(expected, compiled.Evaluate(vars));
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Errors_are_caught_in_the_jit_code(string target, string text, Type exception)
    {
        var vars = new Dictionary<string, long> { ["x"] = 4, ["y"] = 5, ["m"] = long.MinValue, ["n"] = -1 };
        using var compiled = CalcCompiler.Compile(Parser.Parse(text), Library(target));
        Assert.Throws(exception, () => compiled.Evaluate(vars));
        Assert.Throws(exception, () => Interpreter.Evaluate(Parser.Parse(text), vars));
    }

    [Theory]
    [MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void Random_expressions_agree_with_the_interpreter(string target)
    {
        var values = new EdgeValues(2024);
        int compared = 0, exceptions = 0;
        for (int i = 0; i < 150; i++)
        {
            string text = RandomExpression(values, depth: 1 + values.Next(6));
            var expression = Parser.Parse(text);
            using var compiled = CalcCompiler.Compile(expression, Library(target));
            for (int j = 0; j < 8; j++)
            {
                var vars = new Dictionary<string, long>
                {
                    ["a"] = values.NextLong(), ["b"] = values.NextLong(), ["c"] = values.Next(201) - 100,
                };
                Exception? expectedError = null;
                long expected = 0;
                try { expected = Interpreter.Evaluate(expression, vars); }
                catch (Exception e) when (e is DivideByZeroException or OverflowException) { expectedError = e; }
                if (expectedError is null)
                    Assert.True(expected == compiled.Evaluate(vars), $"{text} with a={vars["a"]} b={vars["b"]} c={vars["c"]}: expected {expected}");
                else
                {
                    var actual = Assert.ThrowsAny<Exception>(() => compiled.Evaluate(vars));
                    Assert.Equal(expectedError.GetType(), actual.GetType());
                    exceptions++;
                }
                compared++;
            }
        }
        Assert.Equal(1200, compared);
        Assert.True(exceptions > 0, "the random expressions should include some divisions by zero");
    }

    internal static string RandomExpression(EdgeValues r, int depth)
    {
        if (depth == 0 || r.Next(4) == 0)
            return r.Next(3) switch
            {
                0 => r.Next(1000).ToString(CultureInfo.InvariantCulture),
                1 => ((char)('a' + r.Next(3))).ToString(),
                _ => ((long)(r.NextBits() >> 1)).ToString(CultureInfo.InvariantCulture),
            };
        if (r.Next(8) == 0) return "-(" + RandomExpression(r, depth - 1) + ")";
        char op = "+-*/%"[r.Next(5)];
        return new StringBuilder().Append('(').Append(RandomExpression(r, depth - 1)).Append(op).Append(RandomExpression(r, depth - 1)).Append(')').ToString();
    }
}
