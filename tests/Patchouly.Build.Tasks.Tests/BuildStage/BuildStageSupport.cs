using System;
using System.Collections.Generic;
using System.IO;
using Patchouly.Build.Tasks.MSBuild;

namespace Patchouly.Build.Tasks.Tests.BuildStage;

/// <summary>Records what the build stage logs.</summary>
internal sealed class RecordingLog : IBuildLog
{
    public List<string> Messages { get; } = [];
    public List<(string Code, string Message, string? File, int Line)> Errors { get; } = [];
    public void Message(string text, bool important = false) => Messages.Add(text);
    public void Error(string code, string message, string? file = null, int line = 0, int column = 0) => Errors.Add((code, message, file, line));
}

/// <summary>Temporary directories and fake clangs for the build-stage tests.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class BuildStageSupport
{
    public static string TempDir(string prefix = "patchouly-build-") => Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>A shell script that answers <c>--version</c> as clang <paramref name="version"/> and otherwise runs
    /// <paramref name="compileBehaviour"/>.</summary>
    public static string FakeClang(string compileBehaviour, string version = "19.1.7")
    {
        string path = Path.Combine(TempDir(), "fake-clang");
        File.WriteAllText(path, $"""
            #!/bin/sh
            if [ "$1" = "--version" ]; then echo "clang version {version} (fake)"; echo "Target: x86_64-unknown-linux-gnu"; exit 0; fi
            {compileBehaviour}
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
