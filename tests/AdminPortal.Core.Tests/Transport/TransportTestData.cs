using System.IO.Compression;
using System.Text;
using AdminPortal.Core.Transport;

namespace AdminPortal.Core.Tests.Transport;

/// <summary>The five real Saviynt packages (read from ../shared/packages/saviynt) and builders for hand-made zips.</summary>
internal static class TransportTestData
{
    public const string Ts = "2024-01-02_03-04-05";
    public static readonly string ManifestName = $"ObjectSummary_{Ts}(UTC).json";
    public static readonly string ConnectionName = $"Connection_{Ts}(UTC).json";

    public static readonly string[] RealPackages =
    [
        "SAP_Business_Technology_Platform", "Confluent", "INCONTACT", "Signal_Sciences", "Bynder",
    ];

    public static byte[] RealZip(string name) => File.ReadAllBytes(SharedPackages.PathOf(name));

    public static TransportPackage ReadReal(string name) =>
        TransportPackageReader.Read(new MemoryStream(RealZip(name)), name + ".zip", TransportLimits.Default);

    public static string Manifest(string objects = "\"connection\": [\"demo\"]") =>
        "{\n  \"Objects\": {" + objects + "},\n  \"Information\": {\"GUID\": \"11111111-2222-3333-4444-555555555555\", \"Exported By\": \"admin\", \"Exported On\": \"2024-01-02 03:04:05\", \"System\": \"src.example.com\", \"TransferOwners\": \"0\", \"TransferUsers\": \"0\"}\n}";

    public static string Row(string name, string? value) =>
        "{\"attributename\": " + Newtonsoft.Json.JsonConvert.ToString(name) + ", \"encryptedattributevalue\": "
        + (value is null ? "null" : Newtonsoft.Json.JsonConvert.ToString(value)) + ", \"formdata\": null, \"credentialSaveStatus\": false}";

    public static string Connection(string name = "demo", params string[] rows) =>
        "{\n  " + Newtonsoft.Json.JsonConvert.ToString(name) + ": {\n    \"connectionname\": " + Newtonsoft.Json.JsonConvert.ToString(name)
        + ",\n    \"externalconnectiontype\": \"REST\",\n    \"status\": 1,\n    \"EXTERNAL_ATTR\": [\n      "
        + string.Join(",\n      ", rows.Length == 0 ? [Row("ConnectionJSON", "QUJDREVGR0hJSktMTU5PUA=="), Row("ImportUserJSON", "")] : rows)
        + "\n    ]\n  }\n}";

    public static byte[] Zip(params (string Name, string Content)[] entries) =>
        ZipBytes(entries.Select(e => (e.Name, Encoding.UTF8.GetBytes(e.Content), (Action<ZipArchiveEntry>?)null)).ToArray());

    public static byte[] ZipBytes(params (string Name, byte[] Content, Action<ZipArchiveEntry>? Configure)[] entries)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, configure) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                configure?.Invoke(entry);
                using var s = entry.Open();
                s.Write(content);
            }
        }

        return ms.ToArray();
    }

    public static byte[] ValidZip(string connectionJson) => Zip((ManifestName, Manifest()), (ConnectionName, connectionJson));

    public static TransportPackage Read(byte[] zip, TransportLimits? limits = null) =>
        TransportPackageReader.Read(new MemoryStream(zip), "test.zip", limits ?? TransportLimits.Default);

    public static TransportPackageException Reject(byte[] zip, TransportLimits? limits = null) =>
        Assert.Throws<TransportPackageException>(() => Read(zip, limits));

    /// <summary>Every entry's decompressed bytes plus the raw zip bytes.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> AllBytes(byte[] zip)
    {
        yield return ("<zip>", zip);
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        foreach (var e in archive.Entries)
        {
            using var s = e.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            yield return (e.FullName, ms.ToArray());
        }
    }
}
