using System.Collections.ObjectModel;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Managed;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

// A module compiled by the managed engine: no machine code; its functions share one lifetime with the slot table.
public sealed partial class CompiledModule
{
    private readonly ManagedLifetime? _managed;

    internal CompiledModule(StencilLibrary library, ManagedCode[] code, SlotTable slots, ManagedLifetime lifetime)
    {
        Library = library;
        _memory = null!;
        _image = [];
        _slots = slots;
        _managed = lifetime;
        _functions = new CompiledFunction[code.Length];
        for (int i = 0; i < code.Length; i++) _functions[i] = new CompiledFunction(code[i], this);
        Functions = new ReadOnlyCollection<CompiledFunction>(_functions);
    }

    /// <summary>The engine the module's functions run on (see <see cref="CompiledFunction.Engine"/>).</summary>
    public ExecutionEngine Engine => _functions.Length == 0 ? ExecutionEngine.Native : _functions[0].Engine;
}
