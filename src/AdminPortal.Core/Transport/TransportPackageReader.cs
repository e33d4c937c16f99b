using System.IO.Compression;
using Newtonsoft.Json;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Transport;

/// <summary>
/// Reads a Saviynt Transport (T2P) zip into a <see cref="TransportPackage"/>. Pure: bytes in, model out,
/// nothing written to disk. Either the whole package is returned or a <see cref="TransportPackageException"/>
/// lists every problem found.
/// </summary>
public static class TransportPackageReader
{
    private static readonly IReadOnlyDictionary<string, string> SkipReasons =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["workflows"] = "workflows are designed in Saviynt's visual workflow editor; AdminPortal has no workflow engine",
            ["analyticsV1"] = "analytics (V1) are not part of AdminPortal",
            ["analyticsV2"] = "analytics (V2) are not part of AdminPortal",
            ["savRoles"] = "SAV roles are managed in AdminPortal itself, not imported from packages",
            ["roles"] = "enterprise roles are not part of AdminPortal",
            ["globalConfig"] = "global configuration of another tenant is never imported",
            ["appOnboarding"] = "app-onboarding templates are not supported",
            ["userGroups"] = "user groups are not imported from packages",
            ["scanRules"] = "scan rules are not part of AdminPortal",
            ["organizations"] = "organizations are not imported from packages",
        };

    public static TransportPackage Read(Stream zip, string fileName, TransportLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(zip);
        limits ??= TransportLimits.Default;
        var ctx = new ReadContext(fileName, limits);

        var bytes = ctx.ReadPackageBytes(zip);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or IOException)
        {
            throw ctx.Fail(TransportErrorCode.NotAZip, fileName, null, $"not a zip archive ({ex.Message})");
        }

        using (archive)
        {
            if (archive.Entries.Count > limits.MaxEntries)
                throw ctx.Fail(TransportErrorCode.TooManyEntries, fileName, null,
                    $"the package has {archive.Entries.Count} entries; at most {limits.MaxEntries} are accepted");

            var candidates = new List<Candidate>();
            var ignored = new List<string>();
            foreach (var entry in archive.Entries)
                ctx.Classify(entry, candidates, ignored);
            ctx.ThrowIfErrors();

            var manifestEntries = candidates.Where(c => string.Equals(c.Prefix, TransportFileNames.ManifestKind, StringComparison.OrdinalIgnoreCase)).ToList();
            if (manifestEntries.Count == 0)
                throw ctx.Fail(TransportErrorCode.ManifestMissing, fileName, null,
                    "no manifest: the package must contain ObjectSummary_<yyyy-MM-dd_HH-mm-ss>(UTC).json");
            if (manifestEntries.Count > 1)
                throw ctx.Fail(TransportErrorCode.ManifestAmbiguous, fileName, null,
                    "more than one manifest: " + string.Join(", ", manifestEntries.Select(m => m.Entry.FullName)));

            var manifestEntry = manifestEntries[0];
            var manifest = ctx.ReadManifest(manifestEntry);
            ctx.ThrowIfErrors();
            var m = manifest!;

            var connections = new List<PackagedConnection>();
            var systems = new List<PackagedSecuritySystem>();
            var endpoints = new List<PackagedEndpoint>();
            var templates = new List<PackagedEmailTemplate>();
            var skipped = new List<SkippedObject>();
            var used = new HashSet<ZipArchiveEntry> { manifestEntry.Entry };

            var kindsSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var list in m.Objects)
            {
                if (!kindsSeen.Add(list.Kind))
                {
                    ctx.AddShapeError(manifestEntry.Entry.FullName, $"Objects.{list.Kind}", "the object kind is listed twice (names are compared case-insensitively)");
                    continue;
                }

                if (!TransportFileNames.SupportedKinds.TryGetValue(list.Kind, out var prefix))
                {
                    var reason = SkipReasons.TryGetValue(list.Kind, out var r)
                        ? r
                        : $"object kind '{list.Kind}' is not supported by AdminPortal";
                    skipped.AddRange(list.Names.Select(n => new SkippedObject(list.Kind, n, reason)));
                    continue;
                }

                var payload = ctx.FindPayload(candidates, list, prefix, m.Timestamp, manifestEntry.Entry.FullName);
                if (payload is null)
                    continue;
                used.Add(payload.Entry);
                var root = ctx.ReadJsonObject(payload.Entry);
                if (root is null)
                    continue;

                var canonical = TransportFileNames.SupportedKinds.Keys.First(k => string.Equals(k, list.Kind, StringComparison.OrdinalIgnoreCase));
                var objects = ctx.CheckNames(payload.Entry.FullName, list, root);
                foreach (var (name, obj) in objects)
                {
                    switch (canonical)
                    {
                        case TransportFileNames.ConnectionKind:
                            if (ctx.ReadConnection(payload.Entry.FullName, name, obj) is { } c) connections.Add(c);
                            break;
                        case TransportFileNames.EmailTemplateKind:
                            templates.Add(new PackagedEmailTemplate(name, ReadContext.FieldsOf(obj)));
                            break;
                        case TransportFileNames.SecuritySystemKind:
                            if (ctx.ReadSecuritySystem(payload.Entry.FullName, name, obj) is { } s) systems.Add(s);
                            break;
                        case TransportFileNames.EndpointKind:
                            if (ctx.ReadEndpoint(payload.Entry.FullName, name, obj) is { } e) endpoints.Add(e);
                            break;
                    }
                }
            }

            ctx.ThrowIfErrors();
            ignored.AddRange(candidates.Where(c => !used.Contains(c.Entry)).Select(c => c.Entry.FullName));
            return new TransportPackage(m, connections, systems, endpoints, templates, skipped, sha256)
            {
                IgnoredEntries = ignored,
            };
        }
    }

    internal sealed record Candidate(ZipArchiveEntry Entry, string Prefix, string Timestamp);

    private sealed class LimitExceeded(TransportPackageError error) : Exception(error.Message)
    {
        public TransportPackageError Error { get; } = error;
    }

    private sealed class ReadContext(string fileName, TransportLimits limits)
    {
        private readonly List<TransportPackageError> _errors = [];
        private long _totalBytes;

        public TransportPackageException Fail(TransportErrorCode code, string entry, string? field, string detail)
        {
            _errors.Add(new TransportPackageError(code, entry, field, null, null, detail));
            return new TransportPackageException(fileName, _errors);
        }

        private void Add(TransportErrorCode code, string entry, string? field, string detail, int? line = null, int? position = null) =>
            _errors.Add(new TransportPackageError(code, entry, field, line, position, detail));

        public void AddShapeError(string entry, string field, string detail) =>
            Add(TransportErrorCode.UnexpectedShape, entry, field, detail);

        public void ThrowIfErrors()
        {
            if (_errors.Count > 0)
                throw new TransportPackageException(fileName, _errors);
        }

        public byte[] ReadPackageBytes(Stream zip)
        {
            if (zip.CanSeek && zip.Length - zip.Position > limits.MaxPackageBytes)
                throw Fail(TransportErrorCode.PackageTooLarge, fileName, null,
                    $"the package is {zip.Length - zip.Position} bytes; at most {limits.MaxPackageBytes} are accepted");
            using var ms = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = zip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (ms.Length + n > limits.MaxPackageBytes)
                    throw Fail(TransportErrorCode.PackageTooLarge, fileName, null,
                        $"the package is larger than {limits.MaxPackageBytes} bytes");
                ms.Write(buffer, 0, n);
            }

            return ms.ToArray();
        }

        public void Classify(ZipArchiveEntry entry, List<Candidate> candidates, List<string> ignored)
        {
            var name = entry.FullName;
            var normalized = name.Replace('\\', '/');
            var segments = normalized.Split('/');
            if (segments.Any(s => s == ".."))
            {
                Add(TransportErrorCode.PathTraversal, name, null, "entry name climbs out of the package folder ('..' segment)");
                return;
            }

            if (name.Contains('\0', StringComparison.Ordinal))
            {
                Add(TransportErrorCode.PathTraversal, name, null, "entry name contains a NUL character");
                return;
            }

            var unixMode = (entry.ExternalAttributes >> 16) & 0xF000;
            if (unixMode == 0xA000)
            {
                Add(TransportErrorCode.SymbolicLink, name, null, "entry is a symbolic link; links are not accepted in packages");
                return;
            }

            var baseName = segments[^1];
            if (baseName.Length == 0 || segments.Contains("__MACOSX", StringComparer.Ordinal) || baseName.StartsWith("._", StringComparison.Ordinal))
            {
                ignored.Add(name);
                return;
            }

            if (TransportFileNames.TryParse(baseName, out var prefix, out var timestamp))
                candidates.Add(new Candidate(entry, prefix, timestamp));
            else
                ignored.Add(name);
        }

        public Candidate? FindPayload(List<Candidate> candidates, ManifestObjectList list, string prefix, string timestamp, string manifestName)
        {
            var matches = candidates.Where(c => string.Equals(c.Prefix, prefix, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1)
                return matches[0];
            if (matches.Count > 1)
            {
                var sameTs = matches.Where(c => c.Timestamp == timestamp).ToList();
                if (sameTs.Count == 1)
                    return sameTs[0];
                Add(TransportErrorCode.PayloadAmbiguous, fileName, list.Kind,
                    $"several {prefix}_<ts>(UTC).json files and none (or several) with the manifest's timestamp {timestamp}: "
                    + string.Join(", ", matches.Select(c => c.Entry.FullName)));
                return null;
            }

            Add(TransportErrorCode.PayloadMissing, manifestName, list.Kind,
                $"the manifest lists {list.Kind} [{string.Join(", ", list.Names)}] but the package has no "
                + TransportFileNames.PayloadFileName(prefix, timestamp));
            return null;
        }

        private string? ReadText(ZipArchiveEntry entry)
        {
            byte[] bytes;
            try
            {
                bytes = ReadEntryBytes(entry);
            }
            catch (LimitExceeded ex)
            {
                _errors.Add(ex.Error);
                ThrowIfErrors();
                return null;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
            {
                Add(TransportErrorCode.CorruptEntry, entry.FullName, null, $"the entry cannot be decompressed ({ex.Message})");
                return null;
            }

            var offset = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            try
            {
                return SafeJson.StrictUtf8.GetString(bytes, offset, bytes.Length - offset);
            }
            catch (DecoderFallbackException ex)
            {
                var at = Math.Max(0, ex.Index) + offset;
                var (line, position) = SafeJson.LocateByte(bytes, at);
                Add(TransportErrorCode.InvalidUtf8, entry.FullName, null, $"not valid UTF-8 (byte offset {at})", line, position);
                return null;
            }
        }

        private byte[] ReadEntryBytes(ZipArchiveEntry entry)
        {
            using var stream = entry.Open();
            using var ms = new MemoryStream();
            var buffer = new byte[81920];
            long read = 0;
            var compressed = Math.Max(entry.CompressedLength, 1);
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                read += n;
                _totalBytes += n;
                if (read >= limits.CompressionRatioFloorBytes && read / compressed > limits.MaxCompressionRatio)
                    throw new LimitExceeded(new TransportPackageError(TransportErrorCode.CompressionRatioExceeded, entry.FullName, null, null, null,
                        $"compression ratio above {limits.MaxCompressionRatio}:1 ({compressed} compressed bytes expanded to more than {read}); looks like a zip bomb"));
                if (_totalBytes > limits.MaxTotalUncompressedBytes)
                    throw new LimitExceeded(new TransportPackageError(TransportErrorCode.TotalSizeExceeded, entry.FullName, null, null, null,
                        $"the package expands to more than {limits.MaxTotalUncompressedBytes} bytes"));
                ms.Write(buffer, 0, n);
            }

            return ms.ToArray();
        }

        public JObject? ReadJsonObject(ZipArchiveEntry entry)
        {
            var text = ReadText(entry);
            if (text is null)
                return null;
            var token = SafeJson.TryParse(text, limits.MaxJsonDepth, out var failure);
            if (failure is not null)
            {
                Add(failure.Code, entry.FullName, failure.Key, failure.Detail, failure.Line, failure.Position);
                return null;
            }

            if (token is not JObject obj)
            {
                Add(TransportErrorCode.UnexpectedShape, entry.FullName, null, $"expected a JSON object at the top level, found {token!.Type}");
                return null;
            }

            return obj;
        }

        public TransportManifest? ReadManifest(Candidate manifest)
        {
            var entryName = manifest.Entry.FullName;
            var root = ReadJsonObject(manifest.Entry);
            if (root is null)
                return null;

            if (root["Objects"] is not JObject objects)
            {
                Add(TransportErrorCode.UnexpectedShape, entryName, "Objects", "the manifest needs an 'Objects' object mapping object kind → [names]");
                return null;
            }

            var lists = new List<ManifestObjectList>();
            foreach (var p in objects.Properties())
            {
                if (p.Value is not JArray array || array.Any(v => v.Type != JTokenType.String))
                {
                    Add(TransportErrorCode.UnexpectedShape, entryName, $"Objects.{p.Name}", "must be an array of object names (strings)", Line(p), Pos(p));
                    continue;
                }

                lists.Add(new ManifestObjectList(p.Name, [.. array.Select(v => (string)v!)]));
            }

            IReadOnlyList<PackagedField> information = [];
            var info = root["Information"];
            if (info is not null && info.Type != JTokenType.Null)
            {
                if (info is not JObject infoObject)
                    Add(TransportErrorCode.UnexpectedShape, entryName, "Information", "must be an object");
                else
                    information = FieldsOf(infoObject);
            }

            return new TransportManifest(manifest.Timestamp, lists, information);
        }

        /// <summary>Payload objects in payload order, after checking them against the manifest's names.</summary>
        public List<(string Name, JObject Obj)> CheckNames(string entryName, ManifestObjectList list, JObject root)
        {
            var result = new List<(string, JObject)>();
            var listed = new HashSet<string>(list.Names, StringComparer.Ordinal);
            foreach (var p in root.Properties())
            {
                if (!listed.Contains(p.Name))
                {
                    Add(TransportErrorCode.ObjectNotInManifest, entryName, p.Name,
                        $"the payload holds {list.Kind} '{p.Name}' which the manifest does not list", Line(p), Pos(p));
                    continue;
                }

                if (p.Value is not JObject obj)
                {
                    Add(TransportErrorCode.UnexpectedShape, entryName, p.Name, $"{list.Kind} '{p.Name}' must be a JSON object", Line(p), Pos(p));
                    continue;
                }

                result.Add((p.Name, obj));
            }

            var missing = list.Names.Where(n => root.Property(n, StringComparison.Ordinal) is null).ToList();
            if (missing.Count > 0)
                Add(TransportErrorCode.ObjectMissing, entryName, list.Kind,
                    $"the manifest lists {list.Kind} [{string.Join(", ", missing)}] but the payload does not contain them");
            return result;
        }

        public static IReadOnlyList<PackagedField> FieldsOf(JObject obj, string? except = null) =>
            [.. obj.Properties().Where(p => except is null || p.Name != except).Select(p => PackagedField.FromToken(p.Name, p.Value))];

        public PackagedConnection? ReadConnection(string entryName, string name, JObject obj)
        {
            var errorsBefore = _errors.Count;
            var fields = FieldsOf(obj, PackagedConnection.AttributesKey);
            var attributes = new List<PackagedAttribute>();
            var rowsToken = obj[PackagedConnection.AttributesKey];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (rowsToken is not null && rowsToken.Type != JTokenType.Null)
            {
                if (rowsToken is not JArray rows)
                {
                    Add(TransportErrorCode.UnexpectedShape, entryName, $"connection '{name}'", "EXTERNAL_ATTR must be an array", Line(rowsToken), Pos(rowsToken));
                    return null;
                }

                for (var i = 0; i < rows.Count; i++)
                {
                    if (ReadAttribute(entryName, name, i, rows[i], seen) is { } a)
                        attributes.Add(a);
                }
            }

            return _errors.Count == errorsBefore ? new PackagedConnection(name, fields, attributes) : null;
        }

        private PackagedAttribute? ReadAttribute(string entryName, string connection, int index, JToken rowToken, HashSet<string> seen)
        {
            if (rowToken is not JObject row)
            {
                Add(TransportErrorCode.UnexpectedShape, entryName, $"connection '{connection}', EXTERNAL_ATTR[{index}]", "must be an object", Line(rowToken), Pos(rowToken));
                return null;
            }

            if (row["attributename"] is not JValue { Type: JTokenType.String } nameToken || string.IsNullOrEmpty((string?)nameToken))
            {
                Add(TransportErrorCode.UnexpectedShape, entryName, $"connection '{connection}', EXTERNAL_ATTR[{index}]", "needs a non-empty string 'attributename'", Line(row), Pos(row));
                return null;
            }

            var attributeName = (string)nameToken!;
            var field = $"connection '{connection}', attribute '{attributeName}'";
            if (!seen.Add(attributeName))
            {
                Add(TransportErrorCode.DuplicateKey, entryName, field, "the attribute appears more than once in EXTERNAL_ATTR", Line(row), Pos(row));
                return null;
            }

            var valueToken = row["encryptedattributevalue"];
            string? value;
            if (valueToken is null || valueToken.Type == JTokenType.Null)
            {
                value = null;
            }
            else if (valueToken.Type == JTokenType.String)
            {
                value = (string?)valueToken;
            }
            else
            {
                Add(TransportErrorCode.UnexpectedShape, entryName, field, "'encryptedattributevalue' must be a string or null", Line(valueToken), Pos(valueToken));
                return null;
            }

            if (value is not null)
            {
                var size = Encoding.UTF8.GetByteCount(value);
                if (size > limits.MaxAttributeBytes)
                {
                    Add(TransportErrorCode.AttributeTooLarge, entryName, field, $"the value is {size} bytes; at most {limits.MaxAttributeBytes} are accepted");
                    return null;
                }
            }

            var kind = AttributeClassifier.Classify(attributeName, value, limits.MaxJsonDepth, out var failure);
            if (failure is not null)
            {
                var code = failure.Code == TransportErrorCode.InvalidJson ? TransportErrorCode.InvalidAttributeJson : failure.Code;
                Add(code, entryName, field, failure.Detail + " (line/position within the attribute text)", failure.Line, failure.Position);
                return null;
            }

            var others = row.Properties()
                .Where(p => p.Name is not ("attributename" or "encryptedattributevalue"))
                .Select(p => PackagedField.FromToken(p.Name, p.Value))
                .ToList();
            return new PackagedAttribute(attributeName, value, kind, others);
        }

        public PackagedSecuritySystem? ReadSecuritySystem(string entryName, string name, JObject obj)
        {
            var ok = CheckStrings(entryName, $"security system '{name}'", obj,
                "systemname", "displayname", "connectionname", "provisioningconnection", "description");
            var ip = obj["instantprovisioning"];
            if (ip is not null && ip.Type != JTokenType.Null && PackagedField.FromToken("x", ip).AsBoolean() is null)
            {
                Add(TransportErrorCode.UnexpectedShape, entryName, $"security system '{name}', instantprovisioning", "must be true/false", Line(ip), Pos(ip));
                ok = false;
            }

            return ok ? new PackagedSecuritySystem(name, FieldsOf(obj)) : null;
        }

        public PackagedEndpoint? ReadEndpoint(string entryName, string name, JObject obj)
        {
            var ok = CheckStrings(entryName, $"endpoint '{name}'", obj,
                "endpointname", "displayname", "securitysystem", "owner", "accountnamerule", "description");
            var types = obj[PackagedEndpoint.EntitlementTypesKey];
            if (types is not null)
            {
                EndpointPayload.ParseEntitlementTypes(types, out var error);
                if (error is not null)
                {
                    Add(TransportErrorCode.UnexpectedShape, entryName, $"endpoint '{name}', {PackagedEndpoint.EntitlementTypesKey}", error, Line(types), Pos(types));
                    ok = false;
                }
            }

            return ok ? new PackagedEndpoint(name, FieldsOf(obj)) : null;
        }

        private bool CheckStrings(string entryName, string what, JObject obj, params string[] keys)
        {
            var ok = true;
            foreach (var key in keys)
            {
                var t = obj[key];
                if (t is not null && t.Type is not (JTokenType.String or JTokenType.Null))
                {
                    Add(TransportErrorCode.UnexpectedShape, entryName, $"{what}, {key}", "must be a string or null", Line(t), Pos(t));
                    ok = false;
                }
            }

            return ok;
        }

        private static int? Line(JToken t) => t is IJsonLineInfo { } li && li.HasLineInfo() ? li.LineNumber : null;

        private static int? Pos(JToken t) => t is IJsonLineInfo { } li && li.HasLineInfo() ? li.LinePosition : null;
    }
}
