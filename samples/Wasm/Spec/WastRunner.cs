using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Samples.Wasm.Spec;

/// <summary>
/// Runs a spec script: converts it with <c>wast2json</c>, then runs every command against an engine with the
/// <c>spectest</c> host module. Assertions on text modules (<c>.wat</c>) are skipped; a module command that fails
/// counts as a failure. A script's instances (and its <c>spectest</c> objects) share one <see cref="Store"/>
/// (<c>register</c> links them), disposed when the script ends.
/// </summary>
public sealed class WastRunner(InstanceEngine engine, TextWriter log)
{
    private readonly Dictionary<string, Instance> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, object>> _registered = new(StringComparer.Ordinal);
    private Instance? _current;
    private Store? _store;
    private string _dir = "";
    private int _passed, _failed, _skipped;

    /// <summary>Runs <paramref name="wastPath"/>.</summary>
    public SpecResult Run(string wastPath)
    {
        string name = Path.GetFileName(wastPath);
        string dir = Path.Combine(Path.GetTempPath(), $"patchouly-wasm-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        using var store = _store = new Store();
        try
        {
            string json = Path.Combine(dir, Path.GetFileNameWithoutExtension(wastPath) + ".json");
            Convert(wastPath, json);
            _dir = dir;
            _registered["spectest"] = SpecTestHost.Create(store);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
            foreach (var cmd in doc.RootElement.GetProperty("commands").EnumerateArray())
            {
                try { Command(cmd); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Fail(cmd, $"unexpected {e.GetType().Name}: {e.Message}");
                }
            }
            return new SpecResult(name, _passed, _failed, _skipped);
        }
        finally
        {
            _named.Clear();
            _registered.Clear();
            _current = null;
            _store = null;
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>Runs <c>wast2json</c> (from Debian's wabt).</summary>
    public static void Convert(string wast, string json)
    {
        var psi = new ProcessStartInfo("wast2json", [wast, "-o", json]) { RedirectStandardError = true, RedirectStandardOutput = true };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("wast2json was not found: install Debian's wabt ('apt-get install wabt', or ./build.sh does it)", e);
        }
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"wast2json {wast} failed: {err}");
    }

    private void Pass() => _passed++;

    private void Fail(JsonElement cmd, string why)
    {
        _failed++;
        log.WriteLine($"  line {cmd.GetProperty("line").GetInt32()}: {cmd.GetProperty("type").GetString()}: {why}");
    }

    private Instance Load(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(_dir, file));
        var m = ModuleDecoder.Decode(bytes);
        Validator.Validate(m);
        return engine.Instantiate(_store ?? throw new InvalidOperationException("no script is running"), m, Resolve);
    }

    private object? Resolve(string module, string name) =>
        _registered.TryGetValue(module, out var exports) && exports.TryGetValue(name, out var v) ? v : null;

    private void Command(JsonElement cmd)
    {
        string type = cmd.GetProperty("type").GetString()!;
        switch (type)
        {
            case "module":
            {
                try
                {
                    _current = Load(cmd.GetProperty("filename").GetString()!);
                    if (cmd.TryGetProperty("name", out var n)) _named[n.GetString()!] = _current;
                }
                catch (Exception e) when (e is WasmException or TrapException)
                {
                    _current = null;
                    Fail(cmd, $"module failed: {e.Message}");
                }
                break;
            }
            case "register":
            {
                var inst = cmd.TryGetProperty("name", out var n) ? _named[n.GetString()!] : _current;
                if (inst is null) { Fail(cmd, "no module to register"); break; }
                _registered[cmd.GetProperty("as").GetString()!] = inst.Exports;
                break;
            }
            case "action":
                Act(cmd.GetProperty("action"));
                break;
            case "assert_return":
            {
                var results = Act(cmd.GetProperty("action"));
                var expected = cmd.GetProperty("expected");
                if (results.Length != expected.GetArrayLength()) { Fail(cmd, $"{results.Length} results, expected {expected.GetArrayLength()}"); break; }
                int i = 0;
                foreach (var e in expected.EnumerateArray())
                {
                    if (!SpecValues.Matches(e, results[i])) { Fail(cmd, $"result {i} is {results[i]} (0x{results[i]:x}), expected {e}"); return; }
                    i++;
                }
                Pass();
                break;
            }
            case "assert_trap":
            case "assert_exhaustion":
            {
                try
                {
                    Act(cmd.GetProperty("action"));
                    Fail(cmd, "no trap");
                }
                catch (TrapException t)
                {
                    string text = cmd.GetProperty("text").GetString()!;
                    if (text.StartsWith(t.Message, StringComparison.Ordinal) || t.Message.StartsWith(text, StringComparison.Ordinal)) Pass();
                    else Fail(cmd, $"trapped with '{t.Message}', expected '{text}'");
                }
                break;
            }
            case "assert_invalid":
            case "assert_malformed":
            {
                if (cmd.GetProperty("module_type").GetString() != "binary") { _skipped++; break; }
                var bytes = File.ReadAllBytes(Path.Combine(_dir, cmd.GetProperty("filename").GetString()!));
                try
                {
                    var m = ModuleDecoder.Decode(bytes);
                    Validator.Validate(m);
                    Fail(cmd, $"module accepted, expected '{cmd.GetProperty("text").GetString()}'");
                }
                catch (WasmException e) when (e.Kind is WasmErrorKind.Malformed or WasmErrorKind.Invalid) { Pass(); }
                break;
            }
            case "assert_unlinkable":
            case "assert_uninstantiable":
            {
                try
                {
                    Load(cmd.GetProperty("filename").GetString()!);
                    Fail(cmd, "module instantiated");
                }
                catch (WasmException e) when (e.Kind is WasmErrorKind.Unlinkable or WasmErrorKind.Uninstantiable) { Pass(); }
                catch (TrapException) { Pass(); }
                break;
            }
            default:
                _skipped++;
                break;
        }
    }

    private long[] Act(JsonElement action)
    {
        var inst = action.TryGetProperty("module", out var mn) ? _named[mn.GetString()!] : _current
            ?? throw new InvalidOperationException("no current module");
        string field = action.GetProperty("field").GetString()!;
        if (action.GetProperty("type").GetString() == "get")
            return [((GlobalCell)inst.Exports[field]).Value];
        var f = (Function)inst.Exports[field];
        var args = new List<long>();
        foreach (var a in action.GetProperty("args").EnumerateArray()) args.Add(SpecValues.Parse(a));
        return f.Invoke(args.ToArray());
    }
}
