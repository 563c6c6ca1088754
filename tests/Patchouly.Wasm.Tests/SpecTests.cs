using System.Collections.Generic;
using System.IO;
using System.Linq;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Spec;

namespace Patchouly.Wasm.Tests;

/// <summary>Every official spec script under the JIT (wast2json converts them; text-format assertions are skipped).</summary>
public class SpecTests
{
    private static string SpecDir => Path.Combine(System.AppContext.BaseDirectory, "spec");

    public static IEnumerable<object[]> Scripts() =>
        Directory.GetFiles(Path.Combine(System.AppContext.BaseDirectory, "spec"), "*.wast").Select(f => new object[] { Path.GetFileName(f) }).OrderBy(o => (string)o[0]);

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ScriptPasses(string script)
    {
        var log = new StringWriter();
        var result = WasmRuntime.RunOnLargeStack(() => new WastRunner(new JitEngine(), log).Run(Path.Combine(SpecDir, script)));
        Assert.True(result.Failed == 0, $"{result}\n{log}");
        // Scripts with only text-format assertions pass nothing; the others must pass something.
        if (script is not ("comments.wast" or "inline-module.wast" or "token.wast" or "type.wast" or "utf8-invalid-encoding.wast"))
            Assert.True(result.Passed > 0, result.ToString());
    }

    [Theory]
    [InlineData("i32.wast")]
    [InlineData("switch.wast")]
    [InlineData("func_ptrs.wast")]
    [InlineData("conversions.wast")]
    [InlineData("memory_trap.wast")]
    [InlineData("linking.wast")]
    [InlineData("labels.wast")]
    public void ScriptPassesOnTheInterpreter(string script)
    {
        string path = Path.Combine(SpecDir, script);
        var log = new StringWriter();
        var result = WasmRuntime.RunOnLargeStack(() => new WastRunner(new Patchouly.Samples.Wasm.Interp.InterpEngine(), log).Run(path));
        Assert.True(result.Failed == 0 && result.Passed > 0, $"{result}\n{log}");
    }

    [Fact]
    public void AllScriptsAreThere()
    {
        Assert.Equal(66, Directory.GetFiles(SpecDir, "*.wast").Length);
    }

    [Fact]
    public void AFailingAssertionIsCounted()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string wast = Path.Combine(dir, "bad.wast");
            File.WriteAllText(wast, """
                (module (func (export "f") (result i32) (i32.const 1)))
                (assert_return (invoke "f") (i32.const 2))
                (assert_trap (invoke "f") "unreachable")
                (assert_return (invoke "f") (i32.const 1))
                """);
            var log = new StringWriter();
            var r = WasmRuntime.RunOnLargeStack(() => new WastRunner(new JitEngine(), log).Run(wast));
            Assert.Equal(1, r.Passed);
            Assert.Equal(2, r.Failed);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
