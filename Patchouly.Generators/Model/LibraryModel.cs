namespace Patchouly.Generators.Model;

/// <summary>
/// A stencil library after parsing and translation: everything the C writer, the tables writer and the emit-API
/// writer need, as plain equatable data (no symbols, no syntax), so the incremental generator can cache it.
/// </summary>
/// <param name="Namespace">The containing namespace, or "" for the global namespace.</param>
/// <param name="Name">The class name.</param>
/// <param name="Accessibility">"public" or "internal".</param>
/// <param name="Registers">Number of register locations.</param>
/// <param name="Optimization">0 = project default, else the <c>StencilOptimization</c> value.</param>
/// <param name="Families">The families: built-ins first (entry, move, jump), then stencils ordered by name.</param>
/// <param name="Prelude">C text shared by all stencils (typedefs, helper functions).</param>
/// <param name="RegistersFromAttribute">True when the attribute set <see cref="Registers"/> (the PatchoulyRegisters property does not override it).</param>
/// <param name="FileLocal">True for a <c>file</c> class: generated code (in files of its own) cannot name its members.</param>
/// <param name="FloatRegisters">Number of float register locations (0: floats live in the ordinary registers as bits).</param>
/// <param name="MoveRegisters">Register locations after <paramref name="Registers"/> that only the built-in moves reach.</param>
/// <param name="MoveFloatRegisters">Float register locations after <paramref name="FloatRegisters"/> that only the built-in moves reach.</param>
internal sealed record LibraryModel(
    string Namespace,
    string Name,
    string Accessibility,
    int Registers,
    int Optimization,
    EquatableArray<FamilyModel> Families,
    string Prelude,
    bool RegistersFromAttribute = true,
    bool FileLocal = false,
    int FloatRegisters = 0,
    int MoveRegisters = 0,
    int MoveFloatRegisters = 0)
{
    /// <summary>Applies the project's default register count (PatchoulyRegisters) unless the attribute set one.</summary>
    public LibraryModel WithDefaultRegisters(int? registers) =>
        RegistersFromAttribute || registers is not (>= 1 and <= Parsing.KnownNames.MaxRegisters) || registers + MoveRegisters > Parsing.KnownNames.MaxRegisters ? this : this with { Registers = registers.Value };

    /// <summary>The fully qualified name, e.g. <c>Samples.Calc.CalcStencils</c>.</summary>
    public string FullName => Namespace.Length == 0 ? Name : Namespace + "." + Name;

    /// <summary>The class name as a C# identifier (<c>@class</c> for a class named <c>class</c>).</summary>
    public string Identifier => Parsing.KnownNames.Identifier(Name);

    /// <summary>The fully qualified name as C# code refers to the class: <c>global::Ns.Lib</c>.</summary>
    public string GlobalName => "global::" + (Namespace.Length == 0 ? Identifier : Namespace + "." + Identifier);

    /// <summary>The name of the library's files: the tables file, the work directory and the generated sources.</summary>
    public string FileName => Parsing.KnownNames.FileName(FullName);

    /// <summary>Every register location the C signatures pass through: the registers and the move registers.</summary>
    public int AllRegisters => Registers + MoveRegisters;

    /// <summary>Every float register location the C signatures pass through.</summary>
    public int AllFloatRegisters => FloatRegisters + MoveFloatRegisters;

    /// <summary>The registers <paramref name="family"/>'s values may be in (<see cref="Format.VariantIndex.FamilyRegisters"/>).</summary>
    public int FamilyRegisters(FamilyModel family) => Format.VariantIndex.FamilyRegisters(family.Kind, Registers, MoveRegisters);

    /// <summary>The float registers <paramref name="family"/>'s float-class values may be in.</summary>
    public int FamilyFloatRegisters(FamilyModel family) => Format.VariantIndex.FamilyRegisters(family.Kind, FloatRegisters, MoveFloatRegisters);

    /// <summary>Number of location codes: the registers plus "stack".</summary>
    public int Locations => Registers + 1;
}
