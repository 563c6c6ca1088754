using System.Diagnostics;
using System.Linq;
using System.Text;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>
/// Where C# throws (integer division by zero, MinValue / -1, MinValue % -1), the translated C calls a prelude helper
/// that executes <c>__builtin_trap()</c>: a defined stop, never undefined behaviour. Checked in the text and by running
/// the C in a child process.
/// </summary>
public class TrapTests
{
    private const string Source = TranslationHarness.Usings + """
        [StencilLibrary]
        public static partial class Traps
        {
            [Stencil] public static int DivI(int a, int b) => a / b;
            [Stencil] public static int RemI(int a, int b) => a % b;
            [Stencil] public static long DivL(long a, long b) => a / b;
            [Stencil] public static long RemL(long a, long b) => a % b;
            [Stencil] public static uint DivU(uint a, uint b) => a / b;
            [Stencil] public static ulong RemUL(ulong a, ulong b) => a % b;
            [Stencil] public static int DivConst(int a) => a / 7 + a % 3;
            [Stencil] public static int DivMinusOne(int a) => a / -1;
        }
        """;

    [Fact]
    public void DivisionsCallTheTrappingHelpers()
    {
        var library = TranslationHarness.Translate(Source);
        Assert.Empty(library.Diagnostics);
        Assert.Contains("pr_div_i32(v_a, v_b)", library.Functions["DivI"]);
        Assert.Contains("pr_rem_i32(v_a, v_b)", library.Functions["RemI"]);
        Assert.Contains("pr_div_i64(v_a, v_b)", library.Functions["DivL"]);
        Assert.Contains("pr_rem_i64(v_a, v_b)", library.Functions["RemL"]);
        Assert.Contains("pr_div_u32(v_a, v_b)", library.Functions["DivU"]);
        Assert.Contains("pr_rem_u64(v_a, v_b)", library.Functions["RemUL"]);
        // A constant divisor other than 0 and -1 cannot trap: plain C division.
        Assert.DoesNotContain("pr_", library.Functions["DivConst"]);
        Assert.Contains("pr_div_i32", library.Functions["DivMinusOne"]);
        Assert.Contains("if (b == 0 || (a == INT32_MIN && b == -1)) __builtin_trap();", library.Prelude);
        Assert.Contains("if (b == 0 || (a == INT64_MIN && b == -1)) __builtin_trap();", library.Prelude);
        Assert.Contains("uint32_t pr_div_u32(uint32_t a, uint32_t b)\n{\n    if (b == 0) __builtin_trap();", library.Prelude);
        // Only the helpers the code uses are in the prelude.
        Assert.DoesNotContain("pr_rem_u32", library.Prelude);
        Assert.DoesNotContain("pr_f2i32", library.Prelude);
    }

    [Fact]
    public void TheCTrapsExactlyWhereCSharpThrows()
    {
        var library = TranslationHarness.Translate(Source);
        var c = new StringBuilder(library.AllC());
        c.Append("""

            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            int main(int argc, char** argv)
            {
                long long a = strtoll(argv[2], 0, 10), b = strtoll(argv[3], 0, 10);
                const char* op = argv[1];
                long long r = 0;
                if (!strcmp(op, "DivI")) r = p_DivI((int32_t)a, (int32_t)b);
                else if (!strcmp(op, "RemI")) r = p_RemI((int32_t)a, (int32_t)b);
                else if (!strcmp(op, "DivL")) r = p_DivL((int64_t)a, (int64_t)b);
                else if (!strcmp(op, "RemL")) r = p_RemL((int64_t)a, (int64_t)b);
                else if (!strcmp(op, "DivU")) r = (long long)p_DivU((uint32_t)a, (uint32_t)b);
                else if (!strcmp(op, "DivMinusOne")) r = p_DivMinusOne((int32_t)a);
                printf("%lld\n", r);
                return 0;
            }
            """);
        var (exit, errors, exe) = TranslationHarness.RunClang(c.ToString(), "-std=gnu11 -O2 -fwrapv -fno-strict-aliasing -Werror -Wall -Wno-unused-function", "");
        Assert.True(exit == 0, errors);

        (int Exit, string Output) Run(params string[] args)
        {
            var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return (p.ExitCode, output);
        }

        Assert.Equal((0, "-3"), Run("DivI", "7", "-2"));
        Assert.Equal((0, "1"), Run("RemI", "7", "-2"));
        Assert.Equal((0, "-2147483648"), Run("DivI", "-2147483648", "1"));
        Assert.Equal((0, "2147483647"), Run("DivMinusOne", "-2147483647", "0"));
        Assert.Equal((0, "0"), Run("RemL", "-9223372036854775807", "-1"));
        foreach (var args in new[]
                 {
                     new[] { "DivI", "5", "0" }, new[] { "DivI", "-2147483648", "-1" }, new[] { "RemI", "-2147483648", "-1" },
                     new[] { "DivL", "1", "0" }, new[] { "DivL", "-9223372036854775808", "-1" }, new[] { "RemL", "-9223372036854775808", "-1" },
                     new[] { "DivU", "5", "0" }, new[] { "DivMinusOne", "-2147483648", "0" },
                 })
        {
            var (code, output) = Run(args);
            Assert.True(code != 0 && output.Length == 0, $"{string.Join(" ", args)} should trap, but exited with {code} printing '{output}'");
        }
    }
}
