using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Patchouly.Build.Tasks.Tables;

/// <summary>What a tables file on disk is worth to the next build.</summary>
public enum TablesFileState
{
    /// <summary>No file.</summary>
    Missing,
    /// <summary>A complete file: its content matches the hash in its header, so its build hash can be trusted.</summary>
    Intact,
    /// <summary>A file whose content does not match its header (truncated, edited, half-written) or that has no
    /// recognisable header (another tool's, or an older Patchouly's): never trusted, always rebuilt.</summary>
    Damaged,
}

/// <summary>
/// The on-disk format of a tables file and how it is written and checked. The first line records the build hash
/// (what the tables were compiled from) and a SHA-256 of everything after that line; a build trusts the build hash
/// only when the content still matches. Files are written to a temporary file, flushed to disk, and renamed over the
/// old one, so a reader sees either the old file or the new one, never a mixture.
/// </summary>
public static class TablesFile
{
    /// <summary>The start of the first line of every tables file.</summary>
    public const string HeaderPrefix = Generators.EmitApi.TablesHeader.Prefix;

    /// <summary>Separates the build hash from the content hash in the first line.</summary>
    public const string ContentMarker = Generators.EmitApi.TablesHeader.ContentMarker;

    /// <summary>The suffix of the temporary file a tables file is written to before it is renamed into place.</summary>
    public const string TemporarySuffix = ".tmp";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The full text of a tables file: the header line for <paramref name="buildHash"/>, then <paramref name="body"/>.</summary>
    public static string Seal(string buildHash, string body) => Generators.EmitApi.TablesHeader.Seal(buildHash, body);

    /// <summary>Reads a tables file and checks its content against its header.</summary>
    /// <returns>The state, and the build hash when the file is <see cref="TablesFileState.Intact"/>.</returns>
    public static (TablesFileState State, string? BuildHash) Inspect(string path)
    {
        if (!File.Exists(path)) return (TablesFileState.Missing, null);
        string? buildHash = Generators.EmitApi.TablesHeader.Verify(File.ReadAllText(path, s_utf8));
        return buildHash is null ? (TablesFileState.Damaged, null) : (TablesFileState.Intact, buildHash);
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> atomically: to <c>path.tmp</c>, flushed to disk, then
    /// renamed over <paramref name="path"/>. When anything fails the temporary file is removed and
    /// <paramref name="path"/> is left as it was.
    /// </summary>
    /// <exception cref="IOException">Writing failed (a full disk, for example).</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, s_utf8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> atomically, as <see cref="WriteAtomically(string, string)"/>.</summary>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = path + TemporarySuffix;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The SHA-256 of <paramref name="bytes"/> as lowercase hex.</summary>
    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The blob hashes a tables source records, by runtime identifier (lines <c>// tables RID sha256 HASH: …</c>).</summary>
    public static IReadOnlyDictionary<string, string> RecordedBlobHashes(string tablesFile)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(tablesFile))
        {
            if (!line.StartsWith(TablesSourceWriter.BlobLinePrefix, StringComparison.Ordinal)) continue;
            var parts = line.Substring(TablesSourceWriter.BlobLinePrefix.Length).Split(' ');
            if (parts.Length >= 3 && parts[1] == "sha256") result[parts[0]] = parts[2].TrimEnd(':');
        }
        return result;
    }
}
