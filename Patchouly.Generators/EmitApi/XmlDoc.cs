namespace Patchouly.Generators.EmitApi;

/// <summary>Text placed in the XML doc comments of generated code (the emit API, the tables).</summary>
internal static class XmlDoc
{
    /// <summary>Escapes <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> (C# signatures contain generics and pointers).</summary>
    public static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
