using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>
/// Breaks C# sources at random, token by token: deletes, duplicates, swaps, replaces or inserts tokens (from the
/// source itself and from a pool of tokens that matter to stencils), or truncates the text. Deterministic per seed.
/// </summary>
internal static class Mutator
{
    private static readonly string[] s_pool =
    [
        "{", "}", "(", ")", "[", "]", ";", ",", "=>", "=", "*", "&", ".", "?", ":", "<", ">",
        "static", "partial", "unsafe", "public", "private", "class", "struct", "ref", "out", "in", "params", "this",
        "async", "await", "return", "yield", "throw", "new", "default", "null", "checked", "goto", "stackalloc", "fixed",
        "void", "long", "int", "byte", "string", "object", "dynamic", "var", "nint", "Target", "Target.Next",
        "[Hole]", "[Target]", "[Stencil]", "[Stencil(ReturnsToCaller = true)]", "[StencilLibrary]", "[StencilLibrary(Registers = 0)]",
        "<T>", "where T : unmanaged", "delegate*<long, long>", "delegate* unmanaged<long, long>", "__move", "Library", "Emitter",
        "0", "-1", "long.MinValue", "1UL << 63", "\"s\"", "'c'", "$\"{a}\"", "x => x", "static (long x) => x", "@", "#if X", "#endif",
        "/*", "//", "\"", "'", "sizeof(long)", "typeof(long)", "nameof(a)", "is", "switch", "case", "while (true)", "for (;;)",
    ];

    /// <summary>A token with its trivia (<see cref="Full"/>), its kind and its text without trivia.</summary>
    private readonly record struct Piece(string Full, SyntaxKind Kind, string Text)
    {
        public static Piece Pool(string text) => new(" " + text + " ", SyntaxKind.None, text);
    }

    /// <summary>A mutated copy of <paramref name="source"/> and a description of what was done.</summary>
    public static (string Text, string Description) Mutate(string source, int seed)
    {
        var random = new Random(seed);
        var tokens = SyntaxFactory.ParseTokens(source).Select(t => new Piece(t.ToFullString(), t.Kind(), t.Text)).ToList();
        var what = new List<string>();
        int count = 1 + random.Next(3);
        for (int m = 0; m < count && tokens.Count > 1; m++)
        {
            int i = random.Next(tokens.Count - 1); // the last token is the end of file
            int j = random.Next(tokens.Count - 1);
            switch (random.Next(10))
            {
                case 0:
                    what.Add($"delete {Show(tokens[i])}@{i}");
                    tokens.RemoveAt(i);
                    break;
                case 1:
                    what.Add($"duplicate {Show(tokens[i])}@{i}");
                    tokens.Insert(i, tokens[i]);
                    break;
                case 2:
                    what.Add($"swap {Show(tokens[i])}@{i} with the next");
                    (tokens[i], tokens[i + 1]) = (tokens[i + 1], tokens[i]);
                    break;
                case 3:
                    what.Add($"swap {Show(tokens[i])}@{i} and {Show(tokens[j])}@{j}");
                    (tokens[i], tokens[j]) = (tokens[j], tokens[i]);
                    break;
                case 4:
                {
                    var pool = Piece.Pool(s_pool[random.Next(s_pool.Length)]);
                    what.Add($"replace {Show(tokens[i])}@{i} by {Show(pool)}");
                    tokens[i] = pool;
                    break;
                }
                case 5:
                {
                    var pool = Piece.Pool(s_pool[random.Next(s_pool.Length)]);
                    what.Add($"insert {Show(pool)}@{i}");
                    tokens.Insert(i, pool);
                    break;
                }
                case 6:
                    what.Add($"copy {Show(tokens[j])}@{j} to {i}");
                    tokens.Insert(i, tokens[j]);
                    break;
                case 7:
                case 8:
                {
                    // Another token of the same kind from the file (an identifier, a keyword, an operator, a literal):
                    // mostly still valid C#, so the binder, the parser and the translator see the change.
                    var kind = tokens[i].Kind;
                    var text = tokens[i].Text;
                    var same = tokens.Where(t => t.Kind == kind && t.Text != text).Select(t => t.Text).Distinct().ToList();
                    if (same.Count == 0) goto case 1;
                    string other = same[random.Next(same.Count)];
                    what.Add($"replace {Show(tokens[i])}@{i} by '{other}'");
                    int at = tokens[i].Full.IndexOf(text, StringComparison.Ordinal);
                    tokens[i] = tokens[i] with { Full = tokens[i].Full.Substring(0, at) + other + tokens[i].Full.Substring(at + text.Length), Text = other };
                    break;
                }
                default:
                {
                    string all = string.Concat(tokens.Select(t => t.Full));
                    int cut = random.Next(all.Length + 1);
                    what.Add($"truncate at {cut}");
                    return (all.Substring(0, cut), string.Join("; ", what));
                }
            }
        }
        return (string.Concat(tokens.Select(t => t.Full)), string.Join("; ", what));
    }

    private static string Show(Piece piece)
    {
        string t = piece.Text;
        return "'" + (t.Length > 30 ? t.Substring(0, 30) + "…" : t) + "'";
    }
}
