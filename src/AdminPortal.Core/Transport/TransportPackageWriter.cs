using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Newtonsoft.Json;

namespace AdminPortal.Core.Transport;

/// <summary>Options for <see cref="TransportPackageWriter.Write"/>.</summary>
public sealed record TransportWriteOptions
{
    /// <summary>Replace secrets in clear JSON attributes (and JSON-valued connection fields) with
    /// <c>@@NAME@@</c> placeholders (see <see cref="SecretScrubber"/>). Default true.</summary>
    public bool ScrubSecrets { get; init; } = true;

    public static TransportWriteOptions Default { get; } = new();
}

/// <summary>A secret the writer replaced: which object and attribute, which key, which placeholder.</summary>
public sealed record ScrubbedAttribute(string ConnectionName, string AttributeName, string Key, string Placeholder);

/// <summary>What <see cref="TransportPackageWriter.Write"/> produced.</summary>
public sealed record TransportWriteResult(
    IReadOnlyList<string> EntryNames,
    IReadOnlyList<ScrubbedAttribute> Scrubbed,
    string Sha256);

/// <summary>
/// Writes a <see cref="TransportPackage"/> as a T2P zip in Saviynt's layout: a flat zip holding
/// <c>ObjectSummary_&lt;ts&gt;(UTC).json</c> plus one <c>&lt;Kind&gt;_&lt;ts&gt;(UTC).json</c> per non-empty
/// object kind, <c>&lt;ts&gt;</c> being <see cref="TransportManifest.Timestamp"/>. Output is deterministic
/// (same package, same bytes). <see cref="TransportPackageReader"/> reads it back to an equal model.
/// </summary>
public static class TransportPackageWriter
{
    public static TransportWriteResult Write(TransportPackage package, Stream output, TransportWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(output);
        options ??= TransportWriteOptions.Default;
        var ts = package.Manifest.Timestamp;
        if (!DateTime.TryParseExact(ts, TransportManifest.TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp))
            throw new ArgumentException($"Manifest timestamp '{ts}' is not {TransportManifest.TimestampFormat}.", nameof(package));

        RequireUnique("connection", package.Connections.Select(c => c.Name));
        RequireUnique("email template", package.EmailTemplates.Select(t => t.Name));
        RequireUnique("security system", package.SecuritySystems.Select(s => s.Name));
        RequireUnique("endpoint", package.Endpoints.Select(e => e.Name));
        RequireUnique("manifest Information key", package.Manifest.Information.Select(f => f.Name));
        foreach (var c in package.Connections)
        {
            RequireUnique($"field of connection '{c.Name}'", c.Fields.Select(f => f.Name).Append(PackagedConnection.AttributesKey));
            RequireUnique($"attribute of connection '{c.Name}'", c.Attributes.Select(a => a.Name));
        }

        var scrubbed = new List<ScrubbedAttribute>();
        var connections = options.ScrubSecrets
            ? package.Connections.Select(c => Scrub(c, scrubbed)).ToList()
            : [.. package.Connections];

        var files = new List<(string Name, string Json)>();
        var objects = new List<ManifestObjectList>();
        if (connections.Count > 0)
        {
            objects.Add(new(TransportFileNames.ConnectionKind, [.. connections.Select(c => c.Name)]));
            files.Add((Payload(TransportFileNames.ConnectionKind, ts), Json(w => WriteConnections(w, connections))));
        }

        if (package.EmailTemplates.Count > 0)
        {
            objects.Add(new(TransportFileNames.EmailTemplateKind, [.. package.EmailTemplates.Select(t => t.Name)]));
            files.Add((Payload(TransportFileNames.EmailTemplateKind, ts),
                Json(w => WriteObjects(w, package.EmailTemplates.Select(t => (t.Name, t.Fields))))));
        }

        if (package.SecuritySystems.Count > 0)
        {
            objects.Add(new(TransportFileNames.SecuritySystemKind, [.. package.SecuritySystems.Select(s => s.Name)]));
            files.Add((Payload(TransportFileNames.SecuritySystemKind, ts),
                Json(w => WriteObjects(w, package.SecuritySystems.Select(s => (s.Name, s.Fields))))));
        }

        if (package.Endpoints.Count > 0)
        {
            objects.Add(new(TransportFileNames.EndpointKind, [.. package.Endpoints.Select(e => e.Name)]));
            files.Add((Payload(TransportFileNames.EndpointKind, ts),
                Json(w => WriteObjects(w, package.Endpoints.Select(e => (e.Name, e.Fields))))));
        }

        files.Insert(0, (TransportFileNames.ManifestFileName(ts), Json(w => WriteManifest(w, objects, package.Manifest.Information))));

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, json) in files)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(stamp, TimeSpan.Zero);
                using var s = entry.Open();
                var bytes = SafeJson.StrictUtf8.GetBytes(json);
                s.Write(bytes, 0, bytes.Length);
            }
        }

        var zipBytes = buffer.ToArray();
        output.Write(zipBytes, 0, zipBytes.Length);
        return new TransportWriteResult([.. files.Select(f => f.Name)], scrubbed, Convert.ToHexStringLower(SHA256.HashData(zipBytes)));
    }

    /// <summary>The reader refuses duplicate keys, so the writer never produces them.</summary>
    private static void RequireUnique(string what, IEnumerable<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            if (!seen.Add(n))
                throw new ArgumentException($"Duplicate {what} '{n}': a package cannot hold two with the same name.", "package");
        }
    }

    private static string Payload(string kind, string ts) =>
        TransportFileNames.PayloadFileName(TransportFileNames.SupportedKinds[kind], ts);

    private static PackagedConnection Scrub(PackagedConnection connection, List<ScrubbedAttribute> report)
    {
        // Connection-level fields holding JSON (vaultConfig, credentialChangeConfig, …), whether as a
        // JSON string or as a nested object/array, are scrubbed like attributes.
        var fields = connection.Fields.Select(f =>
        {
            var token = f.ToToken();
            var isString = token.Type == Newtonsoft.Json.Linq.JTokenType.String;
            var text = isString ? (string?)token : f.RawJson;
            if (!SafeJson.LooksLikeJsonContainer(text))
                return f;
            var result = SecretScrubber.Scrub(text);
            report.AddRange(result.Secrets.Select(s => new ScrubbedAttribute(connection.Name, f.Name, s.Key, s.Placeholder)));
            if (!result.Changed)
                return f;
            return isString ? PackagedField.FromString(f.Name, result.Text) : new PackagedField(f.Name, result.Text);
        }).ToList();

        var attributes = connection.Attributes.Select(a =>
        {
            if (a.Kind != AttributeValueKind.Json)
                return a;
            var result = SecretScrubber.Scrub(a.Value);
            report.AddRange(result.Secrets.Select(s => new ScrubbedAttribute(connection.Name, a.Name, s.Key, s.Placeholder)));
            return result.Changed ? a with { Value = result.Text } : a;
        }).ToList();

        return connection with { Fields = fields, Attributes = attributes };
    }

    private static string Json(Action<JsonTextWriter> write)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var w = new JsonTextWriter(sw) { Formatting = Formatting.Indented, Indentation = 2 })
            write(w);
        return sw.ToString();
    }

    private static void WriteFields(JsonWriter w, IEnumerable<PackagedField> fields)
    {
        foreach (var f in fields)
        {
            w.WritePropertyName(f.Name);
            SafeJson.ParseTrusted(f.RawJson).WriteTo(w);
        }
    }

    private static void WriteManifest(JsonWriter w, List<ManifestObjectList> objects, IReadOnlyList<PackagedField> information)
    {
        w.WriteStartObject();
        w.WritePropertyName("Objects");
        w.WriteStartObject();
        foreach (var o in objects)
        {
            w.WritePropertyName(o.Kind);
            w.WriteStartArray();
            foreach (var n in o.Names)
                w.WriteValue(n);
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WritePropertyName("Information");
        w.WriteStartObject();
        WriteFields(w, information);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteObjects(JsonWriter w, IEnumerable<(string Name, IReadOnlyList<PackagedField> Fields)> objects)
    {
        w.WriteStartObject();
        foreach (var (name, fields) in objects)
        {
            w.WritePropertyName(name);
            w.WriteStartObject();
            WriteFields(w, fields);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteConnections(JsonWriter w, List<PackagedConnection> connections)
    {
        w.WriteStartObject();
        foreach (var c in connections)
        {
            w.WritePropertyName(c.Name);
            w.WriteStartObject();
            WriteFields(w, c.Fields);
            w.WritePropertyName(PackagedConnection.AttributesKey);
            w.WriteStartArray();
            foreach (var a in c.Attributes)
            {
                w.WriteStartObject();
                w.WritePropertyName("attributename");
                w.WriteValue(a.Name);
                w.WritePropertyName("encryptedattributevalue");
                w.WriteValue(a.Value);
                WriteFields(w, a.OtherFields);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }
}
