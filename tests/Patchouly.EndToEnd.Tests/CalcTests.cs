using System;
using System.Collections.Generic;
using System.Text;
using Patchouly.Samples.Calc;

namespace Patchouly.EndToEnd.Tests;

/// <summary>The Calc JIT against the tree-walking interpreter: same value, or the same exception.</summary>
public class CalcTests
{
    [Theory]
    [InlineData("(x+3)*y-7", 28)]
    [InlineData("1+2*3", 7)]
    [InlineData("-(4-10)%4", 2)]
    [InlineData("9223372036854775807+1", long.MinValue)]
    [InlineData("x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x", 4294967296)]
    [InlineData("((((((((1+2)+3)+4)+5)+6)+7)+8)+9)*(y-(x-(y-(x-(y-x)))))", 45 * 3)]
    public void Computes_examples(string text, long expected)
    {
        var vars = new Dictionary<string, long> { ["x"] = 4, ["y"] = 5 };
        if (text.StartsWith("x*x", StringComparison.Ordinal)) vars["x"] = 4;
        using var compiled = CalcCompiler.Compile(Parser.Parse(text));
        Assert.Equal(Interpreter.Evaluate(Parser.Parse(text), vars), compiled.Evaluate(vars));
        Assert.Equal(expected, compiled.Evaluate(vars));
    }

    [Theory]
    [InlineData("x/(y-5)")]
    [InlineData("x%(y-5)")]
    [InlineData("1/0")]
    public void Division_by_zero_is_caught_in_the_jit_code(string text)
    {
        var vars = new Dictionary<string, long> { ["x"] = 4, ["y"] = 5 };
        using var compiled = CalcCompiler.Compile(Parser.Parse(text));
        Assert.Throws<DivideByZeroException>(() => compiled.Evaluate(vars));
        Assert.Throws<DivideByZeroException>(() => Interpreter.Evaluate(Parser.Parse(text), vars));
    }

    [Fact]
    public void MinValue_divided_by_minus_one_overflows_like_csharp()
    {
        var vars = new Dictionary<string, long> { ["m"] = long.MinValue, ["n"] = -1 };
        foreach (var text in new[] { "m/n", "m%n" })
        {
            using var compiled = CalcCompiler.Compile(Parser.Parse(text));
            Assert.Throws<OverflowException>(() => compiled.Evaluate(vars));
            Assert.Throws<OverflowException>(() => Interpreter.Evaluate(Parser.Parse(text), vars));
        }
    }

    [Fact]
    public void Random_expressions_agree_with_the_interpreter()
    {
        var random = new Random(12345);
        long[] interesting = [0, 1, -1, 2, -2, 3, 7, 10, 255, 1 << 20, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1];
        int compared = 0, exceptions = 0;
        for (int i = 0; i < 400; i++)
        {
            string text = RandomExpression(random, depth: random.Next(1, 7));
            var expression = Parser.Parse(text);
            using var compiled = CalcCompiler.Compile(expression);
            for (int j = 0; j < 10; j++)
            {
                var vars = new Dictionary<string, long>
                {
                    ["a"] = Pick(random, interesting), ["b"] = Pick(random, interesting), ["c"] = Pick(random, interesting),
                    ["d"] = random.NextInt64(long.MinValue, long.MaxValue), ["e"] = random.Next(-100, 100),
                };
                Exception? expectedError = null;
                long expected = 0;
                try { expected = Interpreter.Evaluate(expression, vars); }
                catch (Exception e) when (e is DivideByZeroException or OverflowException) { expectedError = e; }
                if (expectedError is null)
                {
                    Assert.True(expected == compiled.Evaluate(vars), $"{text} with {Show(vars)}: expected {expected}");
                }
                else
                {
                    var actual = Assert.ThrowsAny<Exception>(() => compiled.Evaluate(vars));
                    Assert.True(actual.GetType() == expectedError.GetType(), $"{text} with {Show(vars)}: expected {expectedError.GetType().Name}, got {actual.GetType().Name}");
                    exceptions++;
                }
                compared++;
            }
        }
        Assert.Equal(4000, compared);
        Assert.True(exceptions > 0, "the random expressions should include some divisions by zero");
    }

    private static long Pick(Random r, long[] values) => values[r.Next(values.Length)];

    private static string Show(Dictionary<string, long> vars) => string.Join(" ", vars);

    private static string RandomExpression(Random r, int depth)
    {
        if (depth == 0 || r.Next(4) == 0)
        {
            return r.Next(3) switch
            {
                0 => r.Next(0, 1000).ToString(),
                1 => ((char)('a' + r.Next(5))).ToString(),
                _ => r.NextInt64(0, long.MaxValue).ToString(),
            };
        }
        if (r.Next(8) == 0) return "-(" + RandomExpression(r, depth - 1) + ")";
        char op = "+-*/%"[r.Next(5)];
        var sb = new StringBuilder();
        sb.Append('(').Append(RandomExpression(r, depth - 1)).Append(op).Append(RandomExpression(r, depth - 1)).Append(')');
        return sb.ToString();
    }
}
