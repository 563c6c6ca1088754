using System.Text;

namespace Patchouly.Generators.Variants;

/// <summary>A stable 64-bit FNV-1a hash of text, as 16 hex digits (stable across processes, unlike string.GetHashCode).</summary>
internal static class ContentHash
{
    public static string Of(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash.ToString("x16");
    }
}
