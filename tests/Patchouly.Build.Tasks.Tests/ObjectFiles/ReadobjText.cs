using System;
using System.Collections.Generic;
using System.Linq;

namespace Patchouly.Build.Tasks.Tests.ObjectFiles;

/// <summary>
/// A node of <c>llvm-readobj</c>'s default (LLVM-style) output: <c>Key: value</c> leaves, <c>Key {</c> … <c>}</c> and
/// <c>Key [ (0x…)</c> … <c>]</c> groups, and bare lines (flag names, relocation lines) as leaves without a value.
/// </summary>
internal sealed class ReadobjNode(string key, string? value)
{
    public string Key { get; } = key;
    public string? Value { get; } = value;
    public List<ReadobjNode> Children { get; } = [];

    /// <summary>Parses the whole output into a root whose children are the top-level entries.</summary>
    public static ReadobjNode Parse(string text)
    {
        var root = new ReadobjNode("", null);
        var stack = new Stack<ReadobjNode>();
        stack.Push(root);
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line is "}" or "]")
            {
                if (stack.Count > 1) stack.Pop();
                continue;
            }
            ReadobjNode node;
            if (line.EndsWith('{') || line.EndsWith('['))
            {
                node = new ReadobjNode(line[..^1].Trim(), null);
                stack.Peek().Children.Add(node);
                stack.Push(node);
                continue;
            }
            int bracket = line.IndexOf(" [ (", StringComparison.Ordinal);
            if (bracket > 0 && line.EndsWith(')'))
            {
                node = new ReadobjNode(line[..bracket], line[(bracket + 3)..]);
                stack.Peek().Children.Add(node);
                stack.Push(node);
                continue;
            }
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            node = colon > 0 && !line.StartsWith("0x", StringComparison.Ordinal) ? new ReadobjNode(line[..colon], line[(colon + 2)..]) : new ReadobjNode(line, null);
            if (colon < 0 && line.EndsWith(':')) node = new ReadobjNode(line[..^1], "");
            stack.Peek().Children.Add(node);
        }
        return root;
    }

    /// <summary>The first child called <paramref name="key"/>.</summary>
    public ReadobjNode this[string key] => Children.FirstOrDefault(c => c.Key == key)
        ?? throw new KeyNotFoundException($"'{Key}' has no '{key}' among {string.Join(", ", Children.Select(c => c.Key))}");

    /// <summary>Whether a child called <paramref name="key"/> exists.</summary>
    public bool Has(string key) => Children.Any(c => c.Key == key);

    /// <summary>The children called <paramref name="key"/>.</summary>
    public IEnumerable<ReadobjNode> All(string key) => Children.Where(c => c.Key == key);

    /// <summary>The value of child <paramref name="key"/> as a number: decimal, 0x-hex, or the last parenthesised number
    /// ("Function (0x2)", ".text (4)", "IMAGE_SYM_ABSOLUTE (-1)").</summary>
    public long Number(string key) => ParseNumber(this[key].Value ?? throw new InvalidOperationException($"{key} has no value"));

    public string Text(string key) => this[key].Value ?? "";

    public static long ParseNumber(string value)
    {
        string v = value.Trim();
        int open = v.LastIndexOf('(');
        if (open >= 0 && v.EndsWith(')')) v = v[(open + 1)..^1];
        return v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? Convert.ToInt64(v[2..], 16)
            : v.StartsWith("-0x", StringComparison.OrdinalIgnoreCase) ? -Convert.ToInt64(v[3..], 16) : long.Parse(v);
    }

    public override string ToString() => Value is null ? Key : $"{Key}: {Value}";
}
