using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Patchouly.Runtime.Tables;

/// <summary>The decoded contents of a tables blob (one library, one target).</summary>
/// <param name="Name">The library's C# type name.</param>
/// <param name="Registers">The number of register locations.</param>
/// <param name="ModelHash">Hash of the translated C: ties the generated emit API to these tables.</param>
/// <param name="Triple">The target triple the code was compiled for.</param>
/// <param name="Provenance">How the code was built (clang version and flags), for messages.</param>
/// <param name="Families">The family descriptors.</param>
/// <param name="Variants">Packed <see cref="StencilVariant"/> records, one per slot.</param>
/// <param name="Relocations">Packed <see cref="Relocation"/>s in variant order.</param>
/// <param name="Code">All variants' machine code.</param>
/// <param name="FloatRegisters">The number of float register locations (0: none, and the blob is written as version 2).</param>
/// <param name="MoveRegisters">Register locations after <paramref name="Registers"/> that only the built-in moves reach (version 4).</param>
/// <param name="MoveFloatRegisters">Float register locations after <paramref name="FloatRegisters"/> that only the built-in moves reach (version 4).</param>
public sealed record TableBlobContents(string Name, int Registers, string ModelHash, string Triple, string Provenance,
    IReadOnlyList<TableBlobFamily> Families, ulong[] Variants, ulong[] Relocations, byte[] Code, int FloatRegisters = 0,
    int MoveRegisters = 0, int MoveFloatRegisters = 0)
{
    /// <summary>Creates the runtime library.</summary>
    /// <exception cref="ArgumentException">The contents are inconsistent (see the <see cref="StencilLibrary"/> constructor).</exception>
    public StencilLibrary CreateLibrary()
    {
        var families = new StencilFamily[Families.Count];
        for (int i = 0; i < families.Length; i++)
        {
            var f = Families[i];
            families[i] = new StencilFamily(f.Name, f.Kind, f.Inputs, f.Outputs, f.HoleBits, f.Targets, f.HasWide, f.FirstVariant, f.Signature, f.FloatMask);
        }
        return new StencilLibrary(Name, Registers, ModelHash, Triple, Code, Relocations, Variants, families, FloatRegisters, MoveRegisters, MoveFloatRegisters);
    }
}

/// <summary>One family descriptor in a tables blob (the arguments of <see cref="StencilFamily"/>'s constructor).</summary>
public sealed record TableBlobFamily(string Name, StencilFamilyKind Kind, int Inputs, int Outputs, byte[] HoleBits, int Targets, bool HasWide, int FirstVariant, string Signature, uint FloatMask = 0);

/// <summary>
/// The binary tables format: what the build task writes for each library and target (an embedded resource of the
/// library's assembly) and the runtime reads. Little-endian throughout:
/// <code>
/// "PTAB" u16 version u16 0
/// str name, u8 registers, [v3, v4: u8 float registers], [v4: u8 move registers, u8 move float registers], str model hash, str triple, str provenance
/// u32 families, u32 variants, u32 relocations, u32 code bytes
/// per family: str name, u8 kind, u8 inputs, u8 outputs, u8 targets, u8 wide, u16 holes, u8[holes] hole bits, u32 first variant, str signature[, v3, v4: u32 float mask]
/// u64[variants] packed StencilVariant, u64[relocations] packed Relocation, u8[code]
/// </code>
/// where <c>str</c> is a u32 byte count and UTF-8. Version 3 is the layout of a library with float registers (the
/// bracketed fields); version 4 that of a library with move registers (<see cref="VariantIndex.FamilyRegisters"/>: the move
/// families' slots count them); a library without either is written as version 2, byte for byte as before float registers existed. Every read is bounds-checked: a truncated or corrupt blob is a
/// <see cref="StencilTablesException"/>, never an out-of-range read.
/// </summary>
public static class TableBlob
{
    /// <summary>The first four bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "PTAB"u8;

    /// <summary>The format version of a library without float registers (this runtime reads it and version <see cref="FloatVersion"/>).</summary>
    public const ushort Version = 2;

    /// <summary>The format version of a library with float registers: version 2 plus its float register count and each family's float mask.</summary>
    public const ushort FloatVersion = 3;

    /// <summary>The format version of a library with move registers: version 3 plus its move register counts.</summary>
    public const ushort MoveVersion = 4;

    /// <summary>The embedded-resource name of a library's tables for a target: <c>Patchouly/&lt;library file name&gt;/&lt;rid&gt;.ptab</c>.</summary>
    public static string ResourceName(string libraryFileName, string runtimeIdentifier) => $"Patchouly/{libraryFileName}/{runtimeIdentifier}.ptab";

    /// <summary>The resource-name prefix of all of a library's tables.</summary>
    public static string ResourcePrefix(string libraryFileName) => $"Patchouly/{libraryFileName}/";

    /// <summary>Serialises tables.</summary>
    public static byte[] Write(TableBlobContents contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            bool moves = contents.MoveRegisters > 0 || contents.MoveFloatRegisters > 0;
            bool floats = contents.FloatRegisters > 0 || moves;
            w.Write(moves ? MoveVersion : floats ? FloatVersion : Version);
            w.Write((ushort)0);
            WriteString(w, contents.Name);
            w.Write(checked((byte)contents.Registers));
            if (floats) w.Write(checked((byte)contents.FloatRegisters));
            if (moves)
            {
                w.Write(checked((byte)contents.MoveRegisters));
                w.Write(checked((byte)contents.MoveFloatRegisters));
            }
            WriteString(w, contents.ModelHash);
            WriteString(w, contents.Triple);
            WriteString(w, contents.Provenance);
            w.Write(contents.Families.Count);
            w.Write(contents.Variants.Length);
            w.Write(contents.Relocations.Length);
            w.Write(contents.Code.Length);
            foreach (var f in contents.Families)
            {
                WriteString(w, f.Name);
                w.Write((byte)f.Kind);
                w.Write(checked((byte)f.Inputs));
                w.Write(checked((byte)f.Outputs));
                w.Write(checked((byte)f.Targets));
                w.Write(f.HasWide ? (byte)1 : (byte)0);
                w.Write(checked((ushort)f.HoleBits.Length));
                w.Write(f.HoleBits);
                w.Write(f.FirstVariant);
                WriteString(w, f.Signature);
                if (floats) w.Write(f.FloatMask);
                else if (f.FloatMask != 0) throw new ArgumentException($"Family {f.Name} has float-class values, but the library has no float registers.", nameof(contents));
            }
            foreach (ulong v in contents.Variants) w.Write(v);
            foreach (ulong r in contents.Relocations) w.Write(r);
            w.Write(contents.Code);
        }
        return stream.ToArray();
    }

    /// <summary>Parses tables.</summary>
    /// <exception cref="StencilTablesException">The blob is not a tables blob of this version, or is truncated or corrupt.</exception>
    public static TableBlobContents Read(ReadOnlySpan<byte> blob, string source)
    {
        var r = new Reader(blob, source);
        if (blob.Length < 8 || !blob[..4].SequenceEqual(Magic))
            throw new StencilTablesException($"{source} is not a Patchouly tables blob (no PTAB header).");
        r.Skip(4);
        ushort version = r.U16();
        if (version != Version && version != FloatVersion && version != MoveVersion)
            throw new StencilTablesException($"{source} has tables format version {version}; this runtime reads versions {Version} to {MoveVersion}. Rebuild the library with this Patchouly version.");
        bool moves = version == MoveVersion;
        bool floats = version == FloatVersion || moves;
        r.U16();
        string name = r.Str();
        int registers = r.U8();
        int floatRegisters = floats ? r.U8() : 0;
        if (floats && !moves && floatRegisters == 0)
            throw new StencilTablesException($"{source} is corrupt (a version {FloatVersion} blob with no float registers).");
        int moveRegisters = moves ? r.U8() : 0, moveFloatRegisters = moves ? r.U8() : 0;
        if (moves && moveRegisters + moveFloatRegisters == 0)
            throw new StencilTablesException($"{source} is corrupt (a version {MoveVersion} blob with no move registers).");
        string modelHash = r.Str(), triple = r.Str(), provenance = r.Str();
        int familyCount = r.Count(16), variantCount = r.Count(8), relocationCount = r.Count(8), codeLength = r.Count(1);
        var families = new TableBlobFamily[familyCount];
        for (int i = 0; i < familyCount; i++)
        {
            string fname = r.Str();
            var kind = (StencilFamilyKind)r.U8();
            int inputs = r.U8(), outputs = r.U8(), targets = r.U8();
            bool wide = r.U8() != 0;
            int holes = r.U16();
            byte[] holeBits = r.Bytes(holes).ToArray();
            int first = r.Count(0);
            string signature = r.Str();
            uint floatMask = floats ? r.U32() : 0;
            families[i] = new TableBlobFamily(fname, kind, inputs, outputs, holeBits, targets, wide, first, signature, floatMask);
        }
        var variants = new ulong[variantCount];
        for (int i = 0; i < variantCount; i++) variants[i] = r.U64();
        var relocations = new ulong[relocationCount];
        for (int i = 0; i < relocationCount; i++) relocations[i] = r.U64();
        byte[] code = r.Bytes(codeLength).ToArray();
        if (!r.AtEnd) throw new StencilTablesException($"{source} has {r.Remaining} bytes after its code: it is corrupt.");
        return new TableBlobContents(name, registers, modelHash, triple, provenance, families, variants, relocations, code, floatRegisters, moveRegisters, moveFloatRegisters);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private ref struct Reader(ReadOnlySpan<byte> data, string source)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool AtEnd => _at == _data.Length;
        public readonly int Remaining => _data.Length - _at;

        public ReadOnlySpan<byte> Bytes(int n)
        {
            if (n < 0 || n > _data.Length - _at)
                throw new StencilTablesException($"{source} is truncated or corrupt (a field at byte {_at} runs past its end).");
            var s = _data.Slice(_at, n);
            _at += n;
            return s;
        }

        public void Skip(int n) => Bytes(n);
        public byte U8() => Bytes(1)[0];
        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));
        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));
        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

        /// <summary>A non-negative 32-bit count; when <paramref name="unit"/> is positive, at most the bytes left / unit.</summary>
        public int Count(int unit)
        {
            int at = _at;
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));
            if (n > int.MaxValue || (unit > 0 && n > (ulong)(_data.Length - _at) / (ulong)unit))
                throw new StencilTablesException($"{source} is corrupt (count {n} at byte {at} exceeds its size).");
            return (int)n;
        }

        public string Str() => Encoding.UTF8.GetString(Bytes(Count(1)));
    }
}
