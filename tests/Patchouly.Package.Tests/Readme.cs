using System;
using System.IO;
using System.Text.RegularExpressions;

namespace Patchouly.Package.Tests;

/// <summary>
/// The quick start of README.md: each fenced block that follows an HTML comment <c>&lt;!-- quickstart:NAME --&gt;</c>,
/// so the README's code is what the package test builds and runs.
/// </summary>
public static class Readme
{
    public static string Path { get; } = System.IO.Path.Combine(RepoPaths.Root, "README.md");

    /// <summary>The text of the fenced block after <c>&lt;!-- quickstart:<paramref name="name"/> --&gt;</c>.</summary>
    public static string Block(string name)
    {
        string text = File.ReadAllText(Path).Replace("\r\n", "\n");
        var match = Regex.Match(text, @"<!--\s*quickstart:" + Regex.Escape(name) + @"\s*-->\s*\n```[A-Za-z]*\n(.*?)\n```", RegexOptions.Singleline);
        if (!match.Success)
            throw new InvalidOperationException($"README.md has no fenced block after <!-- quickstart:{name} -->.");
        return match.Groups[1].Value + "\n";
    }
}
