using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Patchouly.Generators.EmitApi;
using Patchouly.Generators.Model;
using Patchouly.Runtime.Managed;
using Patchouly.Runtime.Tables;

namespace Patchouly.Differential.Tests;

/// <summary>
/// The managed engine's side of a library built in-process: the generator's real output (the emit API with its
/// <c>PatchoulyManagedStencils</c>) compiled with the library's C#, loaded, and attached to the natively built library.
/// </summary>
internal static class GeneratedManagedStencils
{
    public static ManagedStencils Attach(BuiltLibrary built)
    {
        if (built.Library.Managed is { } attached) return attached;
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        string api = EmitApiWriter.Write(built.Model, ModelHash.Compute(built.Model));
        string stub = EmitApiWriter.WriteMissingTables(built.Model);
        var compilation = built.Compilation
            .AddReferences(MetadataReference.CreateFromFile(typeof(StencilLibrary).Assembly.Location))
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(api, options, path: "EmitApi.g.cs"), CSharpSyntaxTree.ParseText(stub, options, path: "Tables.g.cs"));
        var assembly = Pipeline.LoadManaged(compilation);
        var type = assembly.GetType(built.Model.FullName + "+" + ManagedStencilsWriter.ClassName, throwOnError: true)!;
        var instance = (ManagedStencils)type.GetField("Instance", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        built.Library.AttachManaged(instance);
        return built.Library.Managed!;
    }
}
