using System;
using System.Reflection;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>The role of one parameter of a stencil's C# method.</summary>
internal enum ParameterRole : byte { Input, Hole, Target, Output }

/// <summary>One parameter of a stencil's C# method: its role, its number within the role, and its word kind.</summary>
internal readonly record struct StencilParameter(ParameterRole Role, int Index, WordKind Kind, Type Type);

/// <summary>A stencil family's C# method, found by reflection once per library (only the IL compiler uses it).</summary>
internal sealed class StencilMethod
{
    private StencilMethod(MethodInfo method, StencilParameter[] parameters, WordKind result, StencilBody? body)
    {
        Method = method;
        Parameters = parameters;
        Result = result;
        Body = body;
    }

    public MethodInfo Method { get; }
    public StencilParameter[] Parameters { get; }
    /// <summary>The return type's kind (<see cref="WordKind.Target"/> for a branch, <see cref="WordKind.Void"/>).</summary>
    public WordKind Result { get; }

    /// <summary>The method's IL when <see cref="IlCompiler"/> copies it into the chunks instead of calling the method
    /// (a small method of a normal stencil whose targets, holes and outputs are used only as plain values), else null.</summary>
    public StencilBody? Body { get; }

    /// <summary>The methods of every family of <paramref name="library"/> (null for the built-ins).</summary>
    /// <exception cref="StencilTablesException">A method is missing or does not match its family.</exception>
    public static StencilMethod?[] Bind(StencilLibrary library, ManagedStencils stencils)
    {
        var families = library.FamilyArray;
        var methods = new StencilMethod?[families.Length];
        for (int i = 0; i < families.Length; i++)
        {
            var f = families[i];
            if (f.Kind is not (StencilFamilyKind.Normal or StencilFamilyKind.Return)) continue;
            var method = stencils.LibraryType.GetMethod(f.Name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
                ?? throw new StencilTablesException($"Stencil library {library.Name} has no static method {f.Name} for the managed engine.");
            var ps = method.GetParameters();
            var parameters = new StencilParameter[ps.Length];
            int inputs = 0, holes = 0, targets = 0;
            var result = Words.Classify(method.ReturnType);
            int outputs = f.Kind == StencilFamilyKind.Normal && result is not (WordKind.Void or WordKind.Target) ? 1 : 0;
            for (int p = 0; p < ps.Length; p++)
            {
                var type = ps[p].ParameterType;
                if (type.IsByRef)
                {
                    var element = type.GetElementType()!;
                    parameters[p] = new StencilParameter(ParameterRole.Output, outputs++, Words.Classify(element), element);
                }
                else if (type == typeof(Target)) parameters[p] = new StencilParameter(ParameterRole.Target, targets++, WordKind.Target, type);
                else if (ps[p].IsDefined(typeof(HoleAttribute), false)) parameters[p] = new StencilParameter(ParameterRole.Hole, holes++, Words.Classify(type), type);
                else parameters[p] = new StencilParameter(ParameterRole.Input, inputs++, Words.Classify(type), type);
            }
            if (inputs != f.Inputs || outputs != f.Outputs || holes != f.Holes || targets != f.Targets)
                throw new StencilTablesException($"The method {f.Name} of {stencils.LibraryType} does not match stencil {f} of the tables.");
            var body = f.Kind == StencilFamilyKind.Normal ? StencilBody.TryDecode(method) : null;
            if (body is not null && !Copyable(body, parameters)) body = null;
            methods[i] = new StencilMethod(method, parameters, result, body);
        }
        return methods;
    }

    /// <summary>Whether the copy of <paramref name="body"/> can stand in for a call: target and output parameters are
    /// only loaded (their values are constants and local addresses in the copy), never stored or addressed.</summary>
    private static bool Copyable(StencilBody body, StencilParameter[] parameters)
    {
        foreach (var ins in body.Instructions)
        {
            var (access, index) = StencilBody.Variable(ins);
            if (access is VariableAccess.LoadArg or VariableAccess.StoreArg or VariableAccess.AddressArg)
            {
                if ((uint)index >= (uint)parameters.Length) return false;
                if (access != VariableAccess.LoadArg && parameters[index].Role is ParameterRole.Target or ParameterRole.Output) return false;
            }
            else if (access != VariableAccess.None && (uint)index >= (uint)body.Locals.Length) return false;
        }
        return true;
    }
}
