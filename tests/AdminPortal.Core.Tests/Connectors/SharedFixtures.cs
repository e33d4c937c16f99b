using System.IO.Compression;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors;

/// <summary>Locates /work/shared (the folder holding shared/packages/saviynt) and reads the real packages.</summary>
internal static class SharedFixtures
{
    private static readonly Lazy<string?> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "packages", "saviynt");
            if (Directory.Exists(candidate)) return Path.Combine(dir.FullName, "shared");
        }
        return Directory.Exists("/work/shared/packages/saviynt") ? "/work/shared" : null;
    });

    public static string SharedDir => Root.Value ?? throw new InvalidOperationException("shared/packages/saviynt not found above " + AppContext.BaseDirectory);

    public static string SpecPath(string name) => Path.Combine(SharedDir, "spec", name);

    /// <summary>(package, connection, attributeName, attributeValue) of every clear-text attribute in the five zips.</summary>
    public static IEnumerable<(string Package, string Connection, string Attribute, string Value)> PackageAttributes()
    {
        foreach (var zipPath in Directory.GetFiles(Path.Combine(SharedDir, "packages", "saviynt"), "*.zip").OrderBy(x => x, StringComparer.Ordinal))
        {
            using var zip = ZipFile.OpenRead(zipPath);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.Contains("__MACOSX", StringComparison.Ordinal) || !entry.Name.StartsWith("Connection_", StringComparison.Ordinal)) continue;
                using var reader = new StreamReader(entry.Open());
                var root = JObject.Parse(reader.ReadToEnd());
                foreach (var conn in root.Properties())
                {
                    foreach (var attr in (JArray)conn.Value["EXTERNAL_ATTR"]!)
                    {
                        var name = (string?)attr["attributename"] ?? "";
                        var value = (string?)attr["encryptedattributevalue"] ?? "";
                        if (name == "ConnectionJSON" || value.Length == 0) continue;
                        yield return (Path.GetFileNameWithoutExtension(zipPath), conn.Name, name, value);
                    }
                }
            }
        }
    }

    public static string Attribute(string package, string attribute)
        => PackageAttributes().First(a => a.Package == package && a.Attribute == attribute).Value;

    /// <summary>Every string value anywhere in a JSON document.</summary>
    public static IEnumerable<string> StringsIn(JToken token)
    {
        switch (token)
        {
            case JValue { Type: JTokenType.String } v:
                yield return (string)v!;
                break;
            case JContainer c:
                foreach (var child in c.Children())
                    foreach (var s in StringsIn(child)) yield return s;
                break;
        }
    }
}
