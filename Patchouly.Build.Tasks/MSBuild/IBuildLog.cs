namespace Patchouly.Build.Tasks.MSBuild;

/// <summary>Where the stencil build reports progress and errors (MSBuild's log, or a test's).</summary>
public interface IBuildLog
{
    /// <summary>A message; <paramref name="important"/> ones show at normal verbosity.</summary>
    void Message(string text, bool important = false);

    /// <summary>An error with a PATCH code and, when known, a source position (1-based).</summary>
    void Error(string code, string message, string? file = null, int line = 0, int column = 0);

    /// <summary>A warning with a PATCH code (a log without warnings shows it as an important message).</summary>
    void Warning(string code, string message) => Message($"warning {code}: {message}", important: true);
}
