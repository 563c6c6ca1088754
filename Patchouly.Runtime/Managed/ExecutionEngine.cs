namespace Patchouly.Runtime;

/// <summary>How a compiled function runs (<see cref="FunctionBuilder.Engine"/>, <see cref="JitModule.Engine"/>, <see cref="CompiledFunction.Engine"/>).</summary>
public enum ExecutionEngine
{
    /// <summary>Machine code: the stencils' compiled variants copied and patched into executable memory.</summary>
    Native = 0,

    /// <summary>
    /// .NET code: the emitted program compiled to a <c>DynamicMethod</c> in which each stencil is a call of its C#
    /// method (RyuJIT inlines the small ones), so a debugger can step through the stencils' source. Where dynamic code is
    /// not supported (<c>RuntimeFeature.IsDynamicCodeSupported</c> false: NativeAOT, iOS) the program is interpreted.
    /// </summary>
    Managed = 1,

    /// <summary>.NET code: an interpreter walks the emitted program and calls each stencil's C# method.</summary>
    Interpreter = 2,
}
