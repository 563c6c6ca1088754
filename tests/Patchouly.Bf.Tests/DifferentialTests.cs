using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Patchouly.Samples.Bf.Engines;

namespace Patchouly.Bf.Tests;

/// <summary>
/// Random terminating programs under every engine against a plain, unoptimised reference interpreter that stops
/// the moment the pointer leaves the tape: same output, same outcome.
/// </summary>
public class DifferentialTests
{
    private const int Cells = 4096;

    /// <summary>The reference: one command at a time, strict bounds on every move.</summary>
    private static (RunStatus Status, bool Left, byte[] Output) Reference(string source, byte[] input)
    {
        var tape = new byte[Cells];
        var output = new List<byte>();
        var match = new int[source.Length];
        var stack = new Stack<int>();
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] == '[') stack.Push(i);
            else if (source[i] == ']') { int o = stack.Pop(); match[o] = i; match[i] = o; }
        }
        int p = 0, pc = 0, inPos = 0;
        long steps = 0;
        for (; pc < source.Length; pc++)
        {
            if (++steps > 200_000_000) throw new InvalidOperationException("reference: too many steps for " + source);
            switch (source[pc])
            {
                case '+': tape[p]++; break;
                case '-': tape[p]--; break;
                case '>': if (++p >= Cells) return (RunStatus.TapeOverrun, false, output.ToArray()); break;
                case '<': if (--p < 0) return (RunStatus.TapeOverrun, true, output.ToArray()); break;
                case '.': output.Add(tape[p]); break;
                case ',': if (inPos < input.Length) tape[p] = input[inPos++]; break;
                case '[': if (tape[p] == 0) pc = match[pc]; break;
                case ']': if (tape[p] != 0) pc = match[pc]; break;
            }
        }
        return (RunStatus.Ok, false, output.ToArray());
    }

    /// <summary>
    /// A program whose loops all end: a counted loop (<c>[-body]</c> or <c>[body-]</c>) changes its own cell only by
    /// that one decrement and its body comes back to it; clears; and, at the top level only, scans (which stop at a
    /// zero cell or leave the tape).
    /// </summary>
    private static string RandomProgram(Random random, int size)
    {
        var sb = new StringBuilder();
        int budget = size;
        int top = 0;
        Body(ref top, forbidden: [], depth: 0);
        return sb.ToString();

        // forbidden: the counters of the enclosing loops (positions relative to the top level)
        void Body(ref int pos, List<int> forbidden, int depth)
        {
            int n = random.Next(1, depth == 0 ? 12 : 6);
            for (int k = 0; k < n && budget > 0; k++, budget--)
            {
                int choice = random.Next(100);
                if (choice < 30 || forbidden.Contains(pos))
                {
                    int target = pos + random.Next(-4, 5);
                    while (forbidden.Contains(target)) target += random.Next(2) == 0 ? 1 : -1;
                    Move(ref pos, target);
                }
                else if (choice < 55)
                {
                    sb.Append(random.Next(2) == 0 ? '+' : '-', random.Next(1, 6));
                }
                else if (choice < 63)
                {
                    sb.Append('.');
                }
                else if (choice < 67)
                {
                    sb.Append(',');
                }
                else if (choice < 87 && depth < 2)
                {
                    bool decrementFirst = random.Next(2) == 0;
                    sb.Append(decrementFirst ? "[-" : "[");
                    int inner = pos;
                    Body(ref inner, [.. forbidden, pos], depth + 1);
                    Move(ref inner, pos);
                    sb.Append(decrementFirst ? "]" : "-]");
                }
                else if (choice < 93 && depth == 0)
                {
                    sb.Append('[').Append(random.Next(2) == 0 ? '>' : '<', random.Next(1, 4)).Append(']');
                }
                else if (choice < 97 && depth < 2)
                {
                    Switch(pos, forbidden, random.Next(1, 5), depth);
                }
                else
                {
                    sb.Append("[-]");
                }
            }
        }

        // A switch on the cell at pos: [-A[-B[-...[-]...]C]D], every level entered at most once.
        void Switch(int pos, List<int> forbidden, int levels, int depth)
        {
            sb.Append("[-");
            int inner = pos;
            if (random.Next(2) == 0)
            {
                Body(ref inner, [.. forbidden, pos], depth + 1);
                Move(ref inner, pos);
            }
            if (levels > 1) Switch(pos, forbidden, levels - 1, depth);
            else sb.Append("[-]");
            if (random.Next(3) == 0)
            {
                Body(ref inner, [.. forbidden, pos], depth + 1);
                Move(ref inner, pos);
            }
            sb.Append(']');
        }

        void Move(ref int pos, int target)
        {
            sb.Append(target > pos ? '>' : '<', Math.Abs(target - pos));
            pos = target;
        }
    }

    [Theory]
    [InlineData(20240601)]
    [InlineData(7)]
    [InlineData(99991)]
    public void Random_programs_agree_with_the_reference(int seed)
    {
        var random = new Random(seed);
        var engines = TestPrograms.Engines(includeAot: false).ToArray();
        int overruns = 0;
        // BF_DIFF_PROGRAMS raises the count for a longer hunt (e.g. 100000).
        int count = int.TryParse(Environment.GetEnvironmentVariable("BF_DIFF_PROGRAMS"), out int n) ? n : 300;
        for (int i = 0; i < count; i++)
        {
            string source = (random.Next(3) == 0 ? "" : new string('>', random.Next(0, 20))) + RandomProgram(random, 40);
            if (random.Next(10) == 0) source = new string('>', Cells - 8) + source; // near the right end
            byte[] input = Enumerable.Range(0, 4).Select(_ => (byte)random.Next(1, 256)).ToArray();
            var expected = Reference(source, input);
            if (expected.Status == RunStatus.TapeOverrun) overruns++;
            foreach (var engine in engines)
            {
                var (result, output) = TestPrograms.Run(source, engine, input, Cells);
                Assert.True(expected.Status == result.Status, $"{engine}: status {result.Status}, expected {expected.Status} for {source}");
                Assert.True(expected.Left == result.OffLeftEnd, $"{engine}: wrong end for {source}");
                Assert.True(expected.Output.AsSpan().SequenceEqual(output), $"{engine}: output differs for {source}");
            }
        }
        Assert.InRange(overruns, count / 60, count - count / 60); // both outcomes are exercised
    }

    [Fact]
    public void Random_programs_agree_under_aot()
    {
        Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
        // clang takes a while per program: a few programs, concatenated into one per run.
        var random = new Random(777);
        for (int i = 0; i < 4; i++)
        {
            string source = new string('>', 10) + RandomProgram(random, 60);
            byte[] input = [7, 8, 9];
            var expected = Reference(source, input);
            var (result, output) = TestPrograms.Run(source, EngineKind.Aot, input, Cells);
            Assert.Equal(expected.Status, result.Status);
            Assert.Equal(expected.Left, result.OffLeftEnd);
            Assert.True(expected.Output.AsSpan().SequenceEqual(output), $"aot: output differs for {source}");
        }
    }
}
