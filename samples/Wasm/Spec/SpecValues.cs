using System.Text.Json;

namespace Patchouly.Samples.Wasm.Spec;

/// <summary>The values of wast2json's JSON: typed, as unsigned decimal bits; NaN patterns; references.</summary>
public static class SpecValues
{
    /// <summary>The bits of an argument (externref n is n + 1, null is 0).</summary>
    public static long Parse(JsonElement v)
    {
        string type = v.GetProperty("type").GetString()!;
        string text = v.GetProperty("value").GetString()!;
        if (type is "externref" or "funcref") return text == "null" ? 0 : (long)(ulong.Parse(text) + 1);
        return (long)ulong.Parse(text);
    }

    /// <summary>True when <paramref name="actual"/> matches the expectation <paramref name="e"/>.</summary>
    public static bool Matches(JsonElement e, long actual)
    {
        string type = e.GetProperty("type").GetString()!;
        string text = e.TryGetProperty("value", out var v) ? v.GetString()! : "";
        switch (type)
        {
            case "i32": return (uint)actual == (uint)ulong.Parse(text);
            case "i64": return (ulong)actual == ulong.Parse(text);
            case "f32":
            {
                uint bits = (uint)actual;
                if (text == "nan:canonical") return (bits & 0x7FFFFFFF) == 0x7FC00000;
                if (text == "nan:arithmetic") return (bits & 0x7FC00000) == 0x7FC00000;
                return bits == uint.Parse(text);
            }
            case "f64":
            {
                ulong bits = (ulong)actual;
                if (text == "nan:canonical") return (bits & 0x7FFFFFFFFFFFFFFF) == 0x7FF8000000000000;
                if (text == "nan:arithmetic") return (bits & 0x7FF8000000000000) == 0x7FF8000000000000;
                return bits == ulong.Parse(text);
            }
            case "externref":
            case "funcref":
                if (text == "null") return actual == 0;
                if (text == "") return actual != 0;
                return type == "funcref" ? actual != 0 : (ulong)actual == ulong.Parse(text) + 1;
            default: return false;
        }
    }
}
