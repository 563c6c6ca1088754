using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Compile;

namespace Patchouly.Build.Tasks.Tests.Compile;

/// <summary>The clang locator on fake machines: directory layouts and <c>--version</c> outputs of Linux, Windows and macOS.</summary>
public sealed class ClangLocatorTests
{
    private sealed class FakeHost(ClangHostOS os, Dictionary<string, string?> files, Dictionary<string, string>? environment = null) : IClangHost
    {
        public List<string> Ran { get; } = [];
        public ClangHostOS OS => os;
        public string? GetEnvironmentVariable(string name) => environment is not null && environment.TryGetValue(name, out var v) ? v : null;
        public bool FileExists(string path) => files.ContainsKey(path);
        public string? RunVersion(string path)
        {
            Ran.Add(path);
            return files.TryGetValue(path, out var output) ? output : null;
        }
    }

    private static string Llvm(string version, string vendor = "Debian ") =>
        $"{vendor}clang version {version}\nTarget: x86_64-pc-linux-gnu\nThread model: posix\nInstalledDir: /usr/bin\n";

    private static string Apple(string version) =>
        $"Apple clang version {version} (clang-1700.0.13.3)\nTarget: arm64-apple-darwin24.4.0\nThread model: posix\nInstalledDir: /Library/Developer/CommandLineTools/usr/bin\n";

    [Fact]
    public void Linux_takes_the_newest_versioned_clang_on_path_that_is_new_enough()
    {
        var host = new FakeHost(ClangHostOS.Linux, new()
        {
            ["/usr/bin/clang"] = Llvm("14.0.6"),
            ["/usr/bin/clang-19"] = Llvm("19.1.7"),
            ["/opt/llvm/bin/clang-21"] = Llvm("21.1.0"),
        }, new() { ["PATH"] = "/opt/llvm/bin:/usr/bin" });
        var clang = ClangLocator.Locate(null, host);
        Assert.Equal(("/opt/llvm/bin/clang-21", 21, "21.1.0"), (clang.Path, clang.Major, clang.Version));
        Assert.Equal("Debian clang version 21.1.0", clang.VersionLine);
    }

    [Fact]
    public void The_property_and_the_environment_variable_win_and_are_checked()
    {
        var files = new Dictionary<string, string?> { ["/usr/bin/clang-19"] = Llvm("19.1.7"), ["/tools/clang"] = Llvm("20.1.2"), ["/old/clang"] = Llvm("18.1.8") };
        var host = new FakeHost(ClangHostOS.Linux, files, new() { ["PATH"] = "/usr/bin", ["PATCHOULY_CLANG"] = "/tools/clang" });
        Assert.Equal("/tools/clang", ClangLocator.Locate(null, host).Path);
        Assert.Equal("/usr/bin/clang-19", ClangLocator.Locate("/usr/bin/clang-19", host).Path);
        var e = Assert.Throws<ClangNotFoundException>(() => ClangLocator.Locate("/old/clang", host));
        Assert.Contains("is clang 18.1.8", e.Message);
        e = Assert.Throws<ClangNotFoundException>(() => ClangLocator.Locate("/missing/clang", host));
        Assert.Contains("could not be run", e.Message);
    }

    [Fact]
    public void Windows_finds_clang_exe_on_path_with_semicolons_and_pathext()
    {
        var host = new FakeHost(ClangHostOS.Windows, new() { [@"D:\llvm\bin\clang.exe"] = Llvm("19.1.5", "") },
            new() { ["PATH"] = @"C:\Windows\system32;""D:\llvm\bin"";", ["PATHEXT"] = ".COM;.EXE;.BAT" });
        var clang = ClangLocator.Locate(null, host);
        Assert.Equal((@"D:\llvm\bin\clang.exe", 19), (clang.Path, clang.Major));
        // A name without an extension given by the user is found with .exe.
        Assert.Equal(@"D:\llvm\bin\clang.exe", ClangLocator.Locate(@"D:\llvm\bin\clang", host).Path);
    }

    [Fact]
    public void Windows_falls_back_to_the_llvm_installer_folder_under_program_files()
    {
        var host = new FakeHost(ClangHostOS.Windows, new() { [@"C:\Program Files\LLVM\bin\clang.exe"] = Llvm("20.1.8", "") },
            new() { ["PATH"] = @"C:\Windows\system32", ["ProgramFiles"] = @"C:\Program Files" });
        Assert.Equal(@"C:\Program Files\LLVM\bin\clang.exe", ClangLocator.Locate(null, host).Path);
        Assert.Contains(@"C:\Program Files\LLVM\bin\clang.exe", ClangLocator.Candidates(host));
    }

    [Fact]
    public void Windows_without_clang_says_how_to_install_llvm()
    {
        var host = new FakeHost(ClangHostOS.Windows, new(), new() { ["PATH"] = @"C:\Windows", ["ProgramFiles"] = @"C:\Program Files" });
        var e = Assert.Throws<ClangNotFoundException>(() => ClangLocator.Locate(null, host));
        Assert.Contains("No clang was found", e.Message);
        Assert.Contains(@"%ProgramFiles%\LLVM\bin", e.Message);
        Assert.Contains(@"C:\Program Files\LLVM\bin\clang.exe", e.Message);
    }

    [Fact]
    public void MacOS_prefers_homebrew_llvm_and_maps_apple_clang_versions()
    {
        var files = new Dictionary<string, string?>
        {
            ["/usr/bin/clang"] = Apple("17.0.0"),
            ["/opt/homebrew/opt/llvm/bin/clang"] = Llvm("19.1.7", "Homebrew "),
        };
        var host = new FakeHost(ClangHostOS.MacOS, files, new() { ["PATH"] = "/usr/bin:/bin" });
        var clang = ClangLocator.Locate(null, host);
        Assert.Equal(("/opt/homebrew/opt/llvm/bin/clang", 19), (clang.Path, clang.Major)); // equal versions: Homebrew comes first

        files.Remove("/opt/homebrew/opt/llvm/bin/clang");
        clang = ClangLocator.Locate(null, host);
        Assert.Equal(("/usr/bin/clang", 19, "Apple clang 17.0.0"), (clang.Path, clang.Major, clang.Version)); // Apple clang 17 is LLVM 19
    }

    [Fact]
    public void MacOS_finds_versioned_homebrew_formulae_and_intel_prefixes_and_xcode()
    {
        var intel = new FakeHost(ClangHostOS.MacOS, new() { ["/usr/local/opt/llvm@20/bin/clang"] = Llvm("20.1.0", "Homebrew ") }, new() { ["PATH"] = "/usr/bin" });
        Assert.Equal("/usr/local/opt/llvm@20/bin/clang", ClangLocator.Locate(null, intel).Path);
        string xcode = "/Applications/Xcode.app/Contents/Developer/Toolchains/XcodeDefault.xctoolchain/usr/bin/clang";
        var xcodeOnly = new FakeHost(ClangHostOS.MacOS, new() { [xcode] = Apple("17.0.0") }, new() { ["PATH"] = "/usr/bin" });
        Assert.Equal(xcode, ClangLocator.Locate(null, xcodeOnly).Path);
    }

    [Fact]
    public void MacOS_with_an_old_xcode_reports_the_llvm_version_and_how_to_get_a_newer_clang()
    {
        var host = new FakeHost(ClangHostOS.MacOS, new() { ["/usr/bin/clang"] = Apple("16.0.0") }, new() { ["PATH"] = "/usr/bin" });
        var e = Assert.Throws<ClangNotFoundException>(() => ClangLocator.Locate(null, host));
        Assert.Contains("Only older clang versions were found: /usr/bin/clang (Apple clang 16.0.0)", e.Message);
        Assert.Contains("brew install llvm", e.Message);
        Assert.Contains("Xcode 16.3", e.Message);
    }

    [Theory]
    [InlineData(17, 19)]
    [InlineData(18, 20)]
    [InlineData(16, 17)]
    [InlineData(15, 16)]
    [InlineData(14, 15)]
    [InlineData(12, 12)]
    public void Apple_clang_versions_map_to_the_llvm_they_are_based_on(int apple, int llvm) =>
        Assert.Equal(llvm, ClangLocator.LlvmMajorOfAppleClang(apple));

    [Fact]
    public void Output_without_a_clang_version_and_programs_that_fail_are_skipped()
    {
        var host = new FakeHost(ClangHostOS.Linux, new()
        {
            ["/a/clang-20"] = "gcc (Debian 12.2.0-14) 12.2.0\n",
            ["/b/clang-19"] = null, // cannot be run
            ["/c/clang"] = "Ubuntu clang version 19.1.1 (1ubuntu1)\r\nTarget: aarch64-unknown-linux-gnu\r\n",
        }, new() { ["PATH"] = "/a:/b:/c" });
        var clang = ClangLocator.Locate(null, host);
        Assert.Equal(("/c/clang", "Ubuntu clang version 19.1.1 (1ubuntu1)"), (clang.Path, clang.VersionLine));
        Assert.Equal(["/a/clang-20", "/b/clang-19", "/c/clang"], host.Ran.Distinct());
    }

    [Fact]
    public void The_real_machine_has_the_clang_the_build_uses()
    {
        var clang = ClangLocator.Locate();
        Assert.True(clang.Major >= ClangLocator.MinimumMajor, clang.ToString());
        Assert.Equal(ClangHostOS.Linux, SystemClangHost.Instance.OS);
    }
}
